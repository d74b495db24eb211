"""Limits that keep one tenant from hurting the server: event streams one tenant may hold open
(429 beyond, freed when a stream ends), and token names (no empty name, no reserved name for a
tenant's token)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.errors import ConfigError
from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from tests.server.harness import Http, moviefile, running_server


@contextmanager
def open_stream(client: Http, movie_id: str, after: int) -> Iterator[http.client.HTTPResponse]:
    """An event stream held open (its headers read) until the block ends."""
    address = urlsplit(client.base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", f"/v1/movies/{movie_id}/events?until=build-finished&after={after}",
                       headers={"Authorization": f"Bearer {client.token}"})
    try:
        yield connection.getresponse()
    finally:
        connection.close()


def test_a_tenant_holds_at_most_its_cap_of_open_event_streams(tmp_path: Path) -> None:
    with running_server(tmp_path / "root", max_streams_per_tenant=2) as running:
        alice, bob = running.as_tenant("alice"), running.as_tenant("bob")
        movie_id = alice.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        last = alice.wait_for_build(movie_id)[-1]["id"]
        bobs = bob.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        bob_last = bob.wait_for_build(bobs)[-1]["id"]
        with ExitStack() as streams:
            held = [streams.enter_context(open_stream(alice, movie_id, last)) for _ in range(2)]
            assert [r.status for r in held] == [200, 200]
            refused = alice.get(f"/v1/movies/{movie_id}/events?after={last}")
            assert refused.status == 429, refused.body
            assert refused.json()["error"] == "too-many-streams"
            assert refused.headers["Retry-After"]
            with open_stream(bob, bobs, bob_last) as other:
                assert other.status == 200, "another tenant's streams are its own"
            # A build ends both held streams (until=build-finished); their places come back.
            assert alice.post(f"/v1/movies/{movie_id}/builds", {"redo": ["MovieTitle"]}
                              ).status == 202
            for response in held:
                assert b"build-finished" in response.read()
        again = alice.wait_for_build(movie_id, after=last)
        assert again[-1]["type"] == "build-finished"


@pytest.mark.parametrize("name", ["", "admin"])
def test_token_create_refuses_empty_and_reserved_tenant_names(tmp_path: Path, name: str) -> None:
    _register()
    root = str(tmp_path / "root")
    result = CliRunner().invoke(cli, ["token", "create", name, "--root", root])
    assert result.exit_code == 2, result.output
    assert "tenant" in result.output and "internal error" not in result.output
    assert TokenBook(LocalRoot(tmp_path / "root")).entries() == []
    with pytest.raises(ConfigError):
        TokenBook(LocalRoot(tmp_path / "root")).create(name)


def test_admin_tokens_may_still_name_the_admin_tenant(tmp_path: Path) -> None:
    _register()
    root = str(tmp_path / "root")
    made = CliRunner().invoke(cli, ["token", "create", "--admin", "admin", "--root", root,
                                    "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["tenant"] == "admin"
