"""Journal records on S3: what a killed build left as separate objects is folded by the next build
that holds the lock (so a no-op stays a handful of requests), and a build folds its own journal
before it releases the lock."""

from __future__ import annotations

from moviebuild.project.movie import Movie
from moviebuild.store import open_store
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.s3server import S3Proxy
from tests.conftest import run_build
from tests.s3.conftest import S3Movie, S3MovieFactory


def record_objects(movie: S3Movie) -> list[str]:
    """Journal record objects (``journal/<rev>/<seq>.json``): what is left unfolded."""
    return [key for key in movie.object_keys() if "/journal/" in key and key.endswith(".json")]


def leave_records_of_a_killed_build(movie: S3Movie, count: int) -> int:
    """Journal records written the way a build writes them, never closed (a SIGKILL)."""
    store = open_store(movie.url, create=False)
    revision = store.next_revision()
    writer = store.open_journal(revision)
    for number in range(count):
        writer.append({"event": "note", "number": number})
    return revision


def test_the_next_build_folds_what_a_killed_build_left_and_a_no_op_stays_cheap(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie(duration=30, images_per_segment=2, endpoint=proxy.endpoint)
    assert run_build(movie.folder).complete
    noop = FakeAdapter(clock=ManualClock())
    proxy.traffic.reset()
    run_build(movie.folder, noop)
    clean_noop = proxy.traffic.total

    for _kill in range(3):
        leave_records_of_a_killed_build(movie, 4)
    assert len(record_objects(movie)) == 12

    run_build(movie.folder, noop)  # holds the lock: folds what the killed builds left
    assert record_objects(movie) == []
    proxy.traffic.reset()
    run_build(movie.folder, noop)
    assert sum(noop.calls.values()) == 0
    # The three folded journals are listed, not read record by record.
    assert proxy.traffic.total <= clean_noop + 3, proxy.traffic.log


def test_a_build_folds_its_journal_before_it_releases_the_lock(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie(duration=30, images_per_segment=1, endpoint=proxy.endpoint)
    proxy.traffic.reset()
    assert run_build(movie.folder).complete
    log = proxy.traffic.log
    released = max(i for i, line in enumerate(log) if line.startswith("DELETE") and "/lock" in line)
    folded = [i for i, line in enumerate(log) if line.startswith("PUT") and ".jsonl" in line]
    assert folded and max(folded) < released, log
    assert record_objects(movie) == []
    assert Movie.open(movie.folder).open_store().list_journals() == [1]


def test_a_call_on_another_process_journals_beside_its_build_and_no_line_is_lost(
    s3_movie: S3MovieFactory,
) -> None:
    movie = s3_movie()
    build = open_store(movie.url)
    revision = build.next_revision()
    build.append_journal(revision, {"event": "note", "line": "build 1"})
    call = open_store(movie.url, create=False)  # a worker's call: same revision, own writer
    call.folds_journals = False
    call.append_journal(revision, {"event": "note", "line": "call"})
    build.append_journal(revision, {"event": "note", "line": "build 2"})
    call.close()
    build.append_journal(revision, {"event": "note", "line": "build 3"})
    build.close()  # the lock holder folds every record, its own and the call's

    lines = [r["line"] for r in open_store(movie.url, create=False).read_journal(revision)]
    assert sorted(lines) == ["build 1", "build 2", "build 3", "call"], lines
    assert record_objects(movie) == []
