"""Two hosts on one S3 root, each with its own cache: a build on one starts from the store's
HEAD even when the other built last (no edit is silently undone), a state read shows HEAD, a
listing on a new host restores nothing, and restoring never takes the lock or writes HEAD."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.server.s3root import S3Root
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.s3server import S3Proxy, S3Server
from tests.server.harness import moviefile, running_server
from tests.server.test_s3_root import ALL_FAKE, root_url, s3_server  # noqa: F401  (fixtures)

MOVIEFILE = yaml.safe_dump(moviefile(providers=ALL_FAKE))


def build(folder: Path, changes: Changes | None = None) -> int | None:
    fake = FakeAdapter(clock=ManualClock())
    result = Movie.open(folder).build(changes, adapters={"fake": fake}, clock=fake.clock)
    assert result.complete
    return result.revision


def test_a_build_on_a_stale_host_starts_from_the_store_s_head(
    root_url: str, tmp_path: Path  # noqa: F811
) -> None:
    host_a, host_b = S3Root(root_url, tmp_path / "a"), S3Root(root_url, tmp_path / "b")
    folder_a = host_a.create_movie("acme", "m-1", MOVIEFILE)
    assert build(folder_a) == 1
    assert host_b.movie_exists("acme", "m-1")  # host B caches revision 1
    folder_b = host_b.movie_folder("acme", "m-1")

    edit = Changes(
        config={"image_style": "sketch"},
        overrides={"SegmentNarration[2]": "Lincoln rides north."},
    )
    assert build(folder_a, edit) == 2

    host_b.follow_head("acme", "m-1")
    state = Movie.open(folder_b).state()
    assert state.revision == 2
    narration = next(p for p in state.prompts if p.id == "SegmentNarration[2]")
    assert narration.text.strip() == "Lincoln rides north." and narration.source == "edited"

    assert build(folder_b, Changes(redo=["TextToImageProducer[1][1]"])) == 3
    store = Movie.open(folder_b).open_store()
    record = store.read_manifest(3)
    assert record["moviefile"]["image_style"] == "sketch", "host B's build undid host A's edit"
    assert "SegmentNarration[2]" in record["overrides"]


def test_a_stale_host_s_build_follows_head_without_being_asked(
    root_url: str, tmp_path: Path  # noqa: F811
) -> None:
    host_a, host_b = S3Root(root_url, tmp_path / "a"), S3Root(root_url, tmp_path / "b")
    folder_a = host_a.create_movie("acme", "m-2", MOVIEFILE)
    build(folder_a)
    assert host_b.movie_exists("acme", "m-2")
    build(folder_a, Changes(config={"image_style": "sketch"}))

    # No state read first: the build itself checks HEAD against the cached folder.
    fake = FakeAdapter(clock=ManualClock())
    result = Movie.open(host_b.movie_folder("acme", "m-2")).build(
        adapters={"fake": fake}, clock=fake.clock
    )
    assert not result.wrote_revision and sum(fake.calls.values()) == 0
    assert "sketch" in (host_b.movie_folder("acme", "m-2") / "Moviefile.yaml").read_text()


def test_listing_on_a_new_host_restores_nothing_and_a_restore_writes_nothing_to_s3(
    s3_server: S3Server, root_url: str, tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host_a = S3Root(root_url, tmp_path / "a")
    for movie_id in ("m-3", "m-4"):
        build(host_a.create_movie("acme", movie_id, MOVIEFILE))

    with running_server(S3Root(root_url, tmp_path / "new")) as running:
        http = running.as_tenant("acme")
        listed = http.get("/v1/movies").json()["movies"]
        assert [(m["id"], m["revision"]) for m in listed] == [("m-3", 1), ("m-4", 1)]
        assert listed[0]["inquiry"]
        movies = tmp_path / "new" / "tenants" / "acme" / "movies"
        assert not movies.exists() or not any(movies.iterdir()), "the listing restored movies"

    with S3Proxy(s3_server.endpoint) as proxy:
        import os

        os.environ.update(s3_server.env(proxy.endpoint))
        host_c = S3Root(root_url, tmp_path / "c")
        assert host_c.movie_exists("acme", "m-3")
        writes = [line for line in proxy.traffic.log if not line.startswith(("GET", "HEAD"))]
        assert writes == [], "a restore takes no lock and writes no HEAD"
