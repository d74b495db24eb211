"""Builds with the fake adapter: what a second build, an edit, a redo and failures call."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviebuild.engine.interfaces import JobStatus
from moviebuild.errors import LockHeld
from moviebuild.graph import NodeId
from moviebuild.project.movie import Movie
from moviebuild.project.results import StoreResults
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from tests.conftest import MovieFactory, run_build, write_moviefile


def fake(**options: object) -> FakeAdapter:
    return FakeAdapter(clock=ManualClock(), **options)  # type: ignore[arg-type]


def test_first_build_calls_every_provider_job_once(movie_folder: MovieFactory) -> None:
    adapter = fake()
    result = run_build(movie_folder(images_per_segment=2), adapter)
    assert result.complete
    assert adapter.calls_by_producer() == {
        "MusicProducer": 1,
        "AudioProducer": 6,
        "TextToImageProducer": 12,
    }
    assert set(adapter.calls.values()) == {1}
    assert result.revision == 1


def test_second_build_calls_nothing(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    adapter = fake()
    result = run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0
    assert result.complete and not result.wrote_revision and result.revision == 1


def test_reverted_edit_calls_nothing(movie_folder: MovieFactory) -> None:
    folder = movie_folder(voice="alice")
    run_build(folder)
    write_moviefile(folder, voice="bob", providers=_providers(folder))
    adapter = fake()
    run_build(folder, adapter)
    assert adapter.calls_by_producer() == {"AudioProducer": 6}
    write_moviefile(folder, voice="alice", providers=_providers(folder))
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0


def _providers(folder: Path) -> dict[str, object]:
    return {k: v.model_dump() for k, v in Movie.open(folder).moviefile.providers.items()}


def test_redo_of_one_image_calls_exactly_one_provider(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    adapter = fake()
    result = run_build(folder, adapter, redo=[NodeId("TextToImageProducer", (5, 1))])
    assert dict(adapter.calls) == {"TextToImageProducer[5][1]": 1}
    assert result.ran == {"TextToImageProducer": 1, "TimelineAssembler": 1}
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0, "the new take is kept"


def test_thirty_percent_retryable_failures_still_complete(movie_folder: MovieFactory) -> None:
    faults = [
        FaultRule("*", 503, probability=0.3),
        FaultRule("*", 429, probability=0.1, retry_after_s=7),
    ]
    adapter = fake(faults=faults, seed=3)
    all_fake = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
    result = run_build(movie_folder(duration=120, providers=all_fake), adapter)
    assert result.complete
    assert sum(rule.fired for rule in faults) > 10
    assert result.jobs and all(job.status == "done" for job in result.jobs)
    assert max(job.attempts for job in result.jobs) > 1


def test_client_error_marks_job_and_blocks_only_its_dependents(movie_folder: MovieFactory) -> None:
    folder = movie_folder(segments={2: {"use_video": True, "image_to_video": True}})
    adapter = fake(faults=[FaultRule("StartingImageProducer[2]", 400, message="unsafe prompt")])
    result = run_build(folder, adapter)
    jobs = {job.id: job for job in result.jobs}
    failed = jobs["StartingImageProducer[2]"]
    assert failed.status == "failed" and not failed.retryable
    assert "unsafe prompt" in (failed.error or "")
    assert failed.attempts == 1
    assert jobs["ImageToVideoProducer[2]"].status == "blocked"
    assert jobs["TimelineAssembler"].status == "done"
    others = {k for k, v in jobs.items() if v.status != "done"}
    assert others == {"StartingImageProducer[2]", "ImageToVideoProducer[2]"}
    assert not result.complete
    adapter = fake()
    result = run_build(folder, adapter)
    assert result.complete
    assert dict(adapter.calls) == {"StartingImageProducer[2]": 1, "ImageToVideoProducer[2]": 1}


def test_failed_image_leaves_a_gap_in_the_timeline(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    result = run_build(folder, fake(faults=[FaultRule("TextToImageProducer[3][2]", 422)]))
    assert [job.id for job in result.failed()] == ["TextToImageProducer[3][2]"]
    assert result.job("TimelineAssembler") is not None
    with Movie.open(folder).open_store() as store:
        assembler = StoreResults(store).records[NodeId("TimelineAssembler")]
    assert assembler.status is JobStatus.DONE
    assert "SegmentImage[3][2]" not in (assembler.fingerprint or {}).get("inputs", {})


def test_a_second_build_of_the_same_movie_is_refused(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    store = Movie.open(folder).open_store()
    with store.lock(), pytest.raises(LockHeld) as caught:
        run_build(folder)
    assert str(__import__("os").getpid()) in caught.value.message


def test_overrides_given_to_the_api_pin_a_slot(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    adapter = fake()
    run_build(folder, adapter, overrides={"SegmentImagePrompt[3][2]": "a red lighthouse"})
    assert dict(adapter.calls) == {"TextToImageProducer[3][2]": 1}
