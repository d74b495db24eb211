"""The answers of plan, build and log: one class each, valid against the schema ``moviebuild
schema`` prints, the same text and JSON whichever way they are read, and the events a build
calls ``on_event`` with."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

import moviebuild
from moviebuild.cli.main import _register, cli
from moviebuild.cli.reports import render_build, render_plan
from moviebuild.project.changes import Changes
from moviebuild.project.events import read_event
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from tests.conftest import MovieFactory


def schema(what: str) -> dict[str, object]:
    _register()
    result = CliRunner().invoke(cli, ["schema", what])
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] = json.loads(result.output)
    return loaded


def build(folder: Path, changes: Changes | None = None, **fake_options: object) -> tuple[
    moviebuild.BuildReport, list[moviebuild.BuildEvent]
]:
    fake = FakeAdapter(clock=ManualClock(), **fake_options)  # type: ignore[arg-type]
    events: list[moviebuild.BuildEvent] = []
    report = moviebuild.open(folder).build(
        changes, on_event=events.append, adapters={"fake": fake}, clock=fake.clock
    )
    return report, events


def test_each_verb_answers_with_its_report_valid_against_its_published_schema(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=20, images_per_segment=1)
    movie = moviebuild.open(folder)
    plan = movie.plan()
    assert isinstance(plan, moviebuild.PlanReport)
    jsonschema.validate(plan.model_dump(mode="json"), schema("plan"))
    report, events = build(folder)
    assert isinstance(report, moviebuild.BuildReport)
    jsonschema.validate(report.model_dump(mode="json"), schema("build"))
    (entry,) = movie.log()
    assert isinstance(entry, moviebuild.RevisionEntry)
    jsonschema.validate(entry.model_dump(mode="json"), schema("revision"))
    event_schema = schema("event")
    for event in events:
        jsonschema.validate(event.model_dump(mode="json"), event_schema)

    assert report.ran == plan.run_counts() == entry.ran
    assert report.cost.estimate_usd == plan.cost.estimate_usd
    assert [(p.provider, p.calls) for p in report.cost.providers] == [
        (p.provider, p.calls) for p in plan.cost.providers
    ]
    assert report.timeline == "out/timeline.json"


def test_to_json_is_text_that_reads_back_as_the_same_report(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=20, images_per_segment=1)
    plan = moviebuild.open(folder).plan()
    text = plan.to_json()
    assert isinstance(text, str)
    assert moviebuild.PlanReport.model_validate_json(text) == plan
    report, _events = build(folder)
    assert moviebuild.BuildReport.model_validate_json(report.to_json()) == report


def test_a_reader_ignores_fields_a_newer_version_adds(movie_folder: MovieFactory) -> None:
    report, _events = build(movie_folder(duration=20, images_per_segment=1))
    data = report.model_dump(mode="json")
    data["audience_score"] = 0.9
    data["cost"]["providers"][0]["carbon_g"] = 1.0
    assert moviebuild.BuildReport.model_validate(data) == report


def test_failures_and_blocked_jobs_are_reported_with_their_hints(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(segments={2: {"use_video": True, "image_to_video": True}})
    fault = FaultRule("StartingImageProducer[2]", 400, message="unsafe prompt")
    report, events = build(folder, faults=[fault])
    assert report.outcome == "incomplete" and not report.complete
    (failed,) = report.failed()
    assert (failed.id, failed.status, failed.retryable) == (
        "StartingImageProducer[2]", "failed", False
    )
    assert [job.id for job in report.blocked()] == ["ImageToVideoProducer[2]"]
    text = render_build(report)
    assert text.startswith("incomplete: revision 1;")
    assert "failed StartingImageProducer[2] (needs attention): " in text
    assert "blocked: ImageToVideoProducer[2]" in text
    kinds = {type(event) for event in events}
    assert {moviebuild.JobStarted, moviebuild.JobFinished, moviebuild.JobFailed,
            moviebuild.JobBlocked} <= kinds


def test_events_read_back_from_their_stream_form(movie_folder: MovieFactory) -> None:
    _report, events = build(movie_folder(duration=20, images_per_segment=1))
    for event in events:
        assert read_event(event.model_dump(mode="json")) == event
    assert read_event({"type": "job-teleported", "job": "A", "producer": "A"}) is None


def test_the_dry_run_text_is_the_rendered_report(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=20, images_per_segment=1)
    _register()
    printed = CliRunner().invoke(cli, ["-C", str(folder), "--dry-run"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == render_plan(moviebuild.open(folder).plan()) + "\n"
    assert "layer 0" in printed.output and "critical path:" in printed.output
