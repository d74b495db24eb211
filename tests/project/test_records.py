"""Typed revision records: they round-trip, and a damaged manifest or journal line is a clear
message (or a skipped line with a notice), never an internal error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.graph import NodeId
from moviebuild.project.records import (
    JobEnded,
    JobRecord,
    JobStarted,
    ProviderJobRecorded,
    event_from_json,
)
from tests.conftest import MovieFactory, run_build


def invoke(*args: str) -> Any:
    _register()
    return CliRunner().invoke(cli, list(args))


def test_journal_events_round_trip() -> None:
    record = JobRecord(
        NodeId("TextToImageProducer", (3, 2)),
        JobStatus.DONE,
        Action.RUN,
        {"kind": "new", "subject": None, "old": None, "new": None},
        "k" * 32,
        {"producer": "TextToImageProducer"},
        {NodeId("SegmentImage", (3, 2)): "d" * 32},
        take=1,
        attempts=2,
    )
    for event in (
        JobStarted(record.job, "k" * 32),
        JobEnded(record),
        ProviderJobRecorded(record.job, "k" * 32, {"id": "abc"}),
    ):
        assert event_from_json(json.loads(json.dumps(event.to_json())), "test") == event


def _manifest(folder: Path) -> Path:
    return folder / ".moviebuild" / "revisions" / "1.json"


def test_a_revision_whose_jobs_is_a_list_is_a_clear_store_error(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder()
    run_build(folder)
    document = json.loads(_manifest(folder).read_text())
    document["jobs"] = list(document["jobs"].values())
    _manifest(folder).write_text(json.dumps(document))
    result = invoke("-C", str(folder), "status")
    assert result.exit_code == 3
    assert "revision 1: 'jobs' should be a JSON object" in result.output
    assert "hint:" in result.output and "internal error" not in result.output


def test_a_journal_end_without_outputs_is_skipped_with_a_notice(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder()
    run_build(folder)
    journal = folder / ".moviebuild" / "journal" / "1.jsonl"
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    damaged = next(r for r in lines if r["event"] == "end" and r["status"] == "done")
    del damaged["outputs"]
    journal.write_text("".join(json.dumps(r) + "\n" for r in lines))
    (folder / "Moviefile.yaml").write_text(
        (folder / "Moviefile.yaml").read_text().replace("duration: 60", "duration: 70")
    )
    result = run_build(folder)
    assert result.complete
    assert any("'outputs' should be a JSON object" in m for m in result.notices)


def test_a_budget_that_is_not_a_number_of_dollars_is_refused(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    for budget in ("nan", "-1", "inf"):
        result = invoke("-C", str(folder), "--budget", budget, "--dry-run")
        assert result.exit_code == 2, budget
        assert "a budget is a number of dollars" in result.output


def test_a_garbage_revision_leads_to_a_working_movie(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    _manifest(folder).write_text("garbage")
    refused = invoke("-C", str(folder), "status")
    assert refused.exit_code == 3
    assert "moviebuild fsck --repair" in refused.output
    assert invoke("-C", str(folder), "fsck", "--repair").exit_code == 0
    assert invoke("-C", str(folder), "status").exit_code == 0
    again = run_build(folder)
    assert again.complete and again.ran in ({}, {"TimelineAssembler": 1})
