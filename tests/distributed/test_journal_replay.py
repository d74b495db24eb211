"""What a ``--database`` server streams from the journal the workers write: each job's start and
end, once, reused jobs left out; and how a workers' build summary becomes the build's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildCost, BuildReport, JobResult
from moviebuild.server.cluster_backend import JournalReplay, summary_document
from moviebuild.server.models import BuildDocument, BuildRequest
from tests.distributed.cluster import write_movie


def test_a_journal_replays_each_started_and_finished_job_once(tmp_path: Path) -> None:
    folder = write_movie(tmp_path / "m", 1)
    replay = JournalReplay(folder, "b1", after=0)
    before = replay.new_events()
    result = Movie.open(folder).build()

    events = replay.new_events()
    again = replay.new_events()
    replay.close()

    assert before == [] and again == []
    started = [data["job"] for kind, data in events if kind == "job-started"]
    finished = [data["job"] for kind, data in events if kind == "job-finished"]
    assert sorted(started) == sorted(finished) and len(finished) == sum(result.ran.values())
    assert all(data["build"] == "b1" for _kind, data in events)


def test_a_refused_call_replays_as_a_failed_job_and_a_blocked_job_is_streamed_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "fake.json"
    config.write_text(json.dumps({"faults": [{"match": "TextToImageProducer[1][1]",
                                              "status": 400, "message": "refused"}]}))
    monkeypatch.setenv("MOVIEBUILD_FAKE_CONFIG", str(config))
    folder = write_movie(tmp_path / "m", 1)
    replay = JournalReplay(folder, "b1", after=0)
    Movie.open(folder).build()

    events = replay.new_events()
    blocked = replay.blocked_events(["TimelineAssembler"])
    replay.close()

    failed = [data for kind, data in events if kind == "job-failed"]
    assert [(d["job"], d["producer"]) for d in failed] == [
        ("TextToImageProducer[1][1]", "TextToImageProducer")
    ]
    assert "refused" in failed[0]["message"]
    assert blocked == [("job-blocked", {"build": "b1", "job": "TimelineAssembler",
                                        "producer": "TimelineAssembler"})]


def test_a_rebuild_with_nothing_to_do_replays_no_earlier_journal(tmp_path: Path) -> None:
    folder = write_movie(tmp_path / "m", 1)
    Movie.open(folder).build()
    replay = JournalReplay(folder, "b2", after=0)
    replay.after = replay.last_journal()
    Movie.open(folder).build()

    assert replay.new_events() == []


def test_a_workers_summary_becomes_the_builds_record() -> None:
    build = BuildDocument(id="b3", movie="m-1", status="running", created="now",
                          changes=BuildRequest.model_validate({}))
    report = BuildReport(
        outcome="incomplete", revision=2, wrote_revision=True, reused=4, notices=["cut"],
        jobs=[
            JobResult(id="AudioProducer[1]", producer="AudioProducer", provider="fake",
                      status="failed", error="no voice"),
            JobResult(id="TimelineAssembler", producer="TimelineAssembler",
                      provider="internal", status="blocked"),
        ],
        cost=BuildCost(estimate_usd=0.5, spent_usd=0.25),
    )

    record = summary_document(build, report.model_dump(mode="json"))
    failed = summary_document(build, {"status": "failed", "error": "outside the root"})

    assert (record.status, record.revision) == ("incomplete", 2)
    assert record.report == report, "the workers' report arrives whole"
    assert record.report.cost.estimate_usd == 0.5
    assert record.finished is not None and record.error is None
    assert (failed.status, failed.error, failed.revision) == ("failed", "outside the root", None)
