"""The server on an S3 root (moto on 127.0.0.1, requests signed): movies' stores, tokens and the
signing key live on S3, and a second server on an empty cache serves the same movies."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.errors import StoreError
from moviebuild.server.s3root import TOKENS_FRESH_S, S3Root
from moviebuild.server.tokens import TokenBook
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.s3server import S3Server
from tests.server.harness import Http, moviefile, running_server

_register()

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@pytest.fixture
def root_url(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; the environment points moviebuild at the server."""
    bucket = f"r-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(bucket)
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    return f"s3://{bucket}/service"


def keys(s3_server: S3Server, url: str) -> list[str]:
    bucket = url.removeprefix("s3://").split("/", 1)[0]
    listing = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def without_links(state: dict[str, Any]) -> dict[str, Any]:
    """The state with each asset link cut to its path (links carry the server's address and
    an expiry)."""
    assets = {
        name: link.split("/v1/assets/", 1)[1].split("?", 1)[0]
        for name, link in state["assets"].items()
    }
    return {**state, "assets": assets}


def test_a_second_server_on_an_empty_cache_serves_the_same_movies_from_s3(
    s3_server: S3Server, root_url: str, tmp_path: Path
) -> None:
    with running_server(S3Root(root_url, tmp_path / "cache-1")) as running:
        http = running.as_tenant("acme")
        answer = http.post("/v1/movies", {"moviefile": moviefile(providers=ALL_FAKE)})
        assert answer.status == 201, answer.body
        movie_id = answer.json()["id"]
        events = http.wait_for_build(movie_id)
        assert events[-1]["status"] == "complete"

        answer = http.post(
            f"/v1/movies/{movie_id}/builds",
            {
                "config": {"images_per_segment": 2},
                "overrides": {"SegmentNarration[2]": "Lincoln rides north."},
            },
        )
        assert answer.status == 202, answer.body
        events = http.wait_for_build(movie_id, after=events[-1]["id"])
        assert events[-1]["status"] == "complete" and events[-1]["revision"] == 2
        first = http.get(f"/v1/movies/{movie_id}").json()
        token = http.token

    stored = keys(s3_server, root_url)
    assert "service/tokens.json" in stored and "service/signing.key" in stored
    assert f"service/tenants/acme/index/{movie_id}.yaml" in stored
    assert f"service/tenants/acme/movies/{movie_id}/store/HEAD" in stored

    with running_server(S3Root(root_url, tmp_path / "cache-2")) as running:
        http = Http(running.base_url, token)  # the token book is on S3 too
        listed = http.get("/v1/movies").json()["movies"]
        assert [m["id"] for m in listed] == [movie_id] and listed[0]["revision"] == 2
        second = http.get(f"/v1/movies/{movie_id}").json()
        assert without_links(second) == without_links(first)
        prompts = {p["id"]: p for p in http.get(f"/v1/movies/{movie_id}/prompts").json()["prompts"]}
        assert prompts["SegmentNarration[2]"]["source"] == "edited"

        link = second["assets"]["SegmentImage[2][2]"]
        asset = Http(running.base_url).get(link.removeprefix(running.base_url))
        assert asset.status == 200 and asset.body.startswith(b"fake-image:")

        assert http.post(f"/v1/movies/{movie_id}/builds", {}).status == 202
        events = http.wait_for_build(movie_id)
        assert events[-1]["status"] == "complete"
        assert not any(e["type"] == "job-started" for e in events)
        assert sum(running.fake.calls.values()) == 0

        # build-finished is streamed just before the backend forgets the build: a delete
        # that quick may still hear "running" (409), so it is asked again.
        statuses = [http.delete(f"/v1/movies/{movie_id}").status]
        while statuses[-1] == 409 and len(statuses) < 50:
            statuses.append(http.delete(f"/v1/movies/{movie_id}").status)
        assert statuses[-1] == 204, statuses
        assert http.get(f"/v1/movies/{movie_id}").status == 404
        assert http.get("/v1/movies").json()["movies"] == []
    assert not [k for k in keys(s3_server, root_url) if "/tenants/acme/" in k]


def test_a_tenant_sees_only_its_own_movies_on_an_s3_root(root_url: str, tmp_path: Path) -> None:
    with running_server(S3Root(root_url, tmp_path / "cache")) as running:
        acme, other = running.as_tenant("acme"), running.as_tenant("globex")
        answer = acme.post("/v1/movies", {"moviefile": moviefile(), "dry_run": True})
        assert answer.status == 201, answer.body
        movie_id = answer.json()["id"]
        assert [m["id"] for m in acme.get("/v1/movies").json()["movies"]] == [movie_id]
        assert other.get("/v1/movies").json()["movies"] == []
        assert other.get(f"/v1/movies/{movie_id}").status == 404


def test_tokens_made_by_the_cli_on_an_s3_root_are_kept_on_s3(
    root_url: str, tmp_path: Path
) -> None:
    created = CliRunner().invoke(cli, ["token", "create", "acme", "--root", root_url, "--json"])
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)["token"]
    assert TokenBook(S3Root(root_url, tmp_path / "elsewhere")).tenant_for(token) == "acme"


def test_serve_refuses_an_s3_location_that_names_no_bucket() -> None:
    result = CliRunner().invoke(cli, ["serve", "--root", "s3://bucket/../movies"])
    assert result.exit_code == 2
    assert "not a usable S3 location" in result.output


def test_a_token_revoked_by_another_process_stops_working_once_the_read_is_stale(
    root_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    server_book = TokenBook(S3Root(root_url, tmp_path / "cache", clock=clock.now))
    cli_book = TokenBook(S3Root(root_url, tmp_path / "elsewhere"))
    entry, token = cli_book.create("acme")
    clock.advance(TOKENS_FRESH_S)
    server_book.refresh()
    assert server_book.tenant_for(token) == "acme"
    cli_book.revoke(entry.id)
    server_book.refresh()
    assert server_book.tenant_for(token) == "acme"  # the read is still fresh
    clock.advance(TOKENS_FRESH_S)
    server_book.refresh()
    assert server_book.tenant_for(token) is None


def test_a_token_change_made_from_a_stale_read_is_refused_not_lost(
    root_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    first = TokenBook(S3Root(root_url, tmp_path / "one", clock=clock.now))
    second = TokenBook(S3Root(root_url, tmp_path / "two", clock=clock.now))
    _, kept = first.create("acme")
    with pytest.raises(StoreError, match="changed while"):
        second.create("globex")  # its last read (still fresh) did not see the first token
    clock.advance(TOKENS_FRESH_S)
    _, added = second.create("globex")
    fresh = TokenBook(S3Root(root_url, tmp_path / "three"))
    assert fresh.tenant_for(kept) == "acme" and fresh.tenant_for(added) == "globex"
