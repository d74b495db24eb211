"""A whole movie kept on a real S3-protocol server: build, no-op, edit, log, diff, checkout and
gc work; read-only commands create nothing; a bare 412 still means "locked"."""

from __future__ import annotations

import json
import os
import shutil

import xxhash
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from moviebuild.project.export import export_outputs
from moviebuild.project.folder import BLOB_CACHE
from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildReport
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.s3server import S3Proxy
from tests.conftest import run_build
from tests.s3.conftest import S3Movie, S3MovieFactory


def build(movie: S3Movie, fake: FakeAdapter) -> BuildReport:
    """A build and the refresh of ``out/`` and ``prompts/`` the CLI does after it."""
    result = run_build(movie.folder, fake)
    export_outputs(Movie.open(movie.folder))
    return result


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


def assert_every_object_hashes_to_its_name(movie: S3Movie) -> None:
    client = movie.server.client()
    objects = [key for key in movie.object_keys() if "/objects/" in key]
    assert objects
    for key in objects:
        data = client.get_object(Bucket=movie.bucket, Key=key)["Body"].read()
        assert key.rsplit("/", 1)[1].split(".")[0] == xxhash.xxh3_128_hexdigest(data)


def test_a_movie_on_s3_builds_then_rebuilds_nothing_then_only_an_edit(
    s3_movie: S3MovieFactory,
) -> None:
    movie = s3_movie(duration=30, images_per_segment=2)
    fake = FakeAdapter(clock=ManualClock())
    first = build(movie, fake)
    assert first.complete and first.wrote_revision
    assert fake.calls_by_producer()["TextToImageProducer"] == 6
    assert_every_object_hashes_to_its_name(movie)

    again = FakeAdapter(clock=ManualClock())
    assert not build(movie, again).wrote_revision
    assert sum(again.calls.values()) == 0

    edited = movie.folder / "prompts" / "segment-02" / "image-1.txt"
    assert edited.is_file(), "prompts/ is written from the S3 store"
    edited.write_text("A lighthouse at dawn, in watercolor\n", encoding="utf-8")
    after_edit = FakeAdapter(clock=ManualClock())
    build(movie, after_edit)
    assert dict(after_edit.calls_by_producer()) == {"TextToImageProducer": 1}
    assert (movie.folder / "out" / "segment-02" / "image-1.png").is_file()

    log = json.loads(invoke("-C", str(movie.folder), "log", "--json").output)
    assert sorted(entry["revision"] for entry in log) == [1, 2]
    diff = invoke("-C", str(movie.folder), "diff", "1", "2")
    assert "SegmentImagePrompt[2][1]" in diff.output  # the edited text, then the media it changed
    assert "changed out/segment-02/image-1.png" in diff.output
    assert invoke("-C", str(movie.folder), "checkout", "1").exit_code == 0
    assert Movie.open(movie.folder).open_store().read_head() == 1
    gc = invoke("-C", str(movie.folder), "gc")
    assert gc.exit_code == 0, gc.output
    assert_every_object_hashes_to_its_name(movie)


def test_read_only_commands_on_an_unbuilt_s3_movie_create_nothing(
    s3_movie: S3MovieFactory,
) -> None:
    movie = s3_movie()
    log = invoke("-C", str(movie.folder), "log")
    assert log.exit_code == 3, log.output
    assert "has not been built yet" in log.output
    status = invoke("-C", str(movie.folder), "status")
    assert status.exit_code == 0, status.output
    assert "TimelineAssembler: new" in status.output
    plan = invoke("-C", str(movie.folder), "--dry-run", "--json")
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.output)["jobs"]
    assert movie.object_keys() == []


def test_a_build_behind_a_server_that_answers_a_bare_412_is_refused_naming_the_holder(
    s3_movie: S3MovieFactory, s3_server: object
) -> None:
    movie = s3_movie()
    with S3Proxy(movie.env["AWS_ENDPOINT_URL"], bare_412=True) as bare:
        os.environ["AWS_ENDPOINT_URL"] = bare.endpoint
        run_build(movie.folder)
        with Movie.open(movie.folder).open_store().lock():
            result = invoke("-C", str(movie.folder), "--json")
        assert result.exit_code == 3
        assert f"process {os.getpid()} has been building this movie" in result.output
        # Released: the next build goes ahead (nothing to do).
        assert invoke("-C", str(movie.folder), "--json").exit_code == 0


def test_an_image_edit_on_a_machine_without_local_copies_downloads_no_image(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie(endpoint=proxy.endpoint, duration=30, images_per_segment=3)
    build(movie, FakeAdapter(clock=ManualClock()))
    shutil.rmtree(movie.folder / BLOB_CACHE)  # as on another machine with this folder
    edited = movie.folder / "prompts" / "segment-02" / "image-1.txt"
    edited.write_text("A lighthouse at dawn, in watercolor\n", encoding="utf-8")

    proxy.traffic.reset()
    after_edit = FakeAdapter(clock=ManualClock())
    build(movie, after_edit)
    assert dict(after_edit.calls_by_producer()) == {"TextToImageProducer": 1}
    objects = [line.split()[:2] for line in proxy.traffic.log if "/objects/" in line]
    assert not [path for method, path in objects if method == "GET" and path.endswith(".png")]
    uploads = [path for method, path in objects if method == "PUT"]
    assert len([path for path in uploads if path.endswith(".png")]) == 1
    log = proxy.traffic.log
    journal_puts = [line for line in log if line.startswith("PUT") and ".jsonl" in line]
    assert len(journal_puts) == 1, "records are small objects, folded once at the end"


def test_fsck_on_s3_finds_a_damaged_object_and_repair_lets_the_next_build_remake_it(
    s3_movie: S3MovieFactory,
) -> None:
    movie = s3_movie(duration=30, images_per_segment=1)
    build(movie, FakeAdapter(clock=ManualClock()))
    shutil.rmtree(movie.folder / BLOB_CACHE)
    image = next(key for key in movie.object_keys() if key.endswith(".png"))
    movie.server.client().put_object(Bucket=movie.bucket, Key=image, Body=b"not that image")

    found = invoke("-C", str(movie.folder), "fsck", "--json")
    assert found.exit_code == 3
    report = json.loads(found.output.split("\nerror:")[0])
    assert [f["kind"] for f in report["findings"]] == ["damaged-blob"]
    assert invoke("-C", str(movie.folder), "fsck", "--repair").exit_code == 0
    assert image not in movie.object_keys()

    again = FakeAdapter(clock=ManualClock())
    build(movie, again)
    assert dict(again.calls_by_producer()) == {"TextToImageProducer": 1}
    assert_every_object_hashes_to_its_name(movie)
