"""The one build API: what ``moviebuild`` exports, that the CLI and the Python API leave a folder
the same way, the MovieState document and its schema, and Changes (patch, overrides, redo)."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

import moviebuild
from moviebuild.cli.main import _register, cli
from moviebuild.errors import ConfigError
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.project.records import read_revision
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from tests.conftest import MovieFactory, run_build, write_moviefile

PACKAGE = Path(moviebuild.__file__).parent
SMALL = {"duration": 20, "images_per_segment": 1, "size": "480p", "voice": "alice"}


def invoke(*args: str) -> Any:
    _register()
    return CliRunner().invoke(cli, list(args))


def test_the_public_api_is_what_all_names() -> None:
    assert moviebuild.__all__ == sorted(moviebuild.__all__)
    assert set(moviebuild.__all__) == {
        # the verbs and their answers
        "open", "connect", "Movie", "RemoteServer", "RemoteMovie", "Changes",
        "PlanReport", "BuildReport", "RevisionEntry", "MovieState",
        # what on_event is called with
        "BuildEvent", "BuildStarted", "BuildFinished", "JobWaiting", "JobStarted",
        "JobRetrying", "JobFinished", "JobReused", "JobSkipped", "JobFailed", "JobBlocked",
        # the errors a caller meets
        "MovieBuildError", "ConfigError", "MoviefileNotFound", "GraphError", "StoreError",
        "LockHeld", "ProviderError", "MediaError", "BuildIncomplete", "BudgetExceeded",
        "Interrupted",
    }
    assert dir(moviebuild) == sorted(moviebuild.__all__)
    for name in moviebuild.__all__:
        assert getattr(moviebuild, name) is not None
    with pytest.raises(AttributeError):
        _ = moviebuild.build  # type: ignore[attr-defined]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _manifest_without_time(folder: Path) -> dict[str, Any]:
    document = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    document.pop("created")
    return document


def test_the_python_api_leaves_the_folder_exactly_as_the_cli_does(tmp_path: Path) -> None:
    by_cli, by_api = tmp_path / "cli", tmp_path / "api"
    write_moviefile(by_cli, **SMALL)
    shutil.copytree(by_cli, by_api)
    assert invoke("-C", str(by_cli), "--json").exit_code == 0
    # The README's example, as written there.
    movie = moviebuild.open(by_api)
    result = movie.build()
    assert result.complete and result.revision == 1
    for part in ("out", "prompts"):
        assert _tree(by_cli / part) == _tree(by_api / part), part
    assert _manifest_without_time(by_cli) == _manifest_without_time(by_api)
    state = movie.state()
    assert state.status == "complete" and state.up_to_date and state.revision == 1
    assert state.timeline is not None
    for clip in state.timeline.tracks.visual:
        assert (by_api / state.assets[clip.asset]).is_file()
    narration = [p for p in state.prompts if p.id == "SegmentNarration[2]"]
    assert narration and narration[0].file == "prompts/script.md"
    assert narration[0].source == "generated" and narration[0].text
    assert state.errors == [] and state.cost.estimated_usd == 0


def test_states_validate_against_the_published_schema(movie_folder: MovieFactory) -> None:
    schema = json.loads(invoke("schema", "state").output)
    folder = movie_folder(segments={2: {"use_video": True, "image_to_video": True}})
    unbuilt = Movie.open(folder).state()
    assert unbuilt.status == "unbuilt" and not unbuilt.up_to_date
    jsonschema.validate(unbuilt.model_dump(mode="json"), schema)
    fake = FakeAdapter(
        clock=ManualClock(),
        faults=[FaultRule("StartingImageProducer[2]", 400, message="unsafe prompt")],
    )
    assert not run_build(folder, fake).complete
    failed = Movie.open(folder).state()
    assert failed.status == "incomplete"
    kinds = {e.job: e for e in failed.errors}
    assert kinds["StartingImageProducer[2]"].kind == "needs-attention"
    assert "unsafe prompt" in (kinds["StartingImageProducer[2]"].message or "")
    assert kinds["StartingImageProducer[2]"].blocks == ["ImageToVideoProducer[2]"]
    assert kinds["ImageToVideoProducer[2]"].kind == "blocked-by"
    assert kinds["ImageToVideoProducer[2]"].blocked_by == ["StartingImageProducer[2]"]
    # Each error says, from the blueprints, what a person calls the job and which text to edit.
    refused = kinds["StartingImageProducer[2]"]
    assert (refused.label, refused.segment) == ("Segment 2, starting image", 2)
    assert [(p.id, p.label, p.file) for p in refused.prompts] == [
        ("StartingImagePrompt[2]", "Segment 2, starting image prompt",
         "prompts/segment-02/starting-image.txt")
    ]
    jobs = {job.id: job for job in failed.jobs}
    assert jobs["StartingImageProducer[2]"].files == ["out/segment-02/starting-image.png"]
    assert jobs["StartingImageProducer[2]"].kind == "image"
    assert failed.artifacts["SegmentImage[1][2]"].label == "Segment 1, image 2"
    assert failed.artifacts["SegmentImage[1][2]"].out == "out/segment-01/image-2.png"
    reading = sorted(failed.prompts, key=lambda p: p.order)
    assert [p.id for p in reading][:2] == ["MovieTitle", "MovieSummary"]
    jsonschema.validate(failed.model_dump(mode="json"), schema)
    write_moviefile(folder, voice="bob", providers=_providers(folder))
    stop = threading.Event()
    stop.set()
    interrupted = run_build(folder, stop=stop)
    assert interrupted.interrupted and interrupted.wrote_revision
    state = Movie.open(folder).state()
    assert state.status == "interrupted"
    jsonschema.validate(state.model_dump(mode="json"), schema)
    assert invoke("-C", str(folder), "status", "--json").output.strip().startswith("{")
    assert json.loads(invoke("-C", str(folder), "status", "--json").output)["status"] == (
        "interrupted"
    )


def _providers(folder: Path) -> dict[str, Any]:
    fields = yaml.safe_load((folder / "Moviefile.yaml").read_text())
    return dict(fields["providers"])


def test_dry_run_with_set_lists_exactly_what_the_same_build_runs(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, **SMALL)
    assert invoke("-C", str(folder)).exit_code == 0
    setting = "SegmentNarration[2]=Keepers climbed the tower every night to trim the wick."
    plan = json.loads(invoke("-C", str(folder), "--dry-run", "--json", "--set", setting).output)
    planned = {job["id"] for job in plan["jobs"]}
    assert "AudioProducer[2]" in planned and "AudioProducer[1]" not in planned
    built = invoke("-C", str(folder), "--json", "--set", setting)
    assert built.exit_code == 0, built.output
    with Movie.open(folder).open_store() as store:
        record = read_revision(store, 2)
    ran = {str(job) for job, r in record.jobs.items() if r.action and r.action.value == "run"}
    assert ran == planned
    again = json.loads(invoke("-C", str(folder), "--dry-run", "--json").output)
    assert again["jobs"] == [], "the override stays, as an edit under prompts/"
    assert "Keepers climbed" in (folder / "prompts" / "script.md").read_text()


def test_a_config_patch_is_validated_like_the_moviefile(movie_folder: MovieFactory) -> None:
    movie = Movie.open(movie_folder())
    with pytest.raises(ConfigError) as caught:
        movie.plan(Changes(config={"images_per_segment": 9}))
    assert "images_per_segment" in caught.value.message
    assert "out of range" in caught.value.message
    with pytest.raises(ConfigError) as unknown:
        movie.plan(Changes(config={"voise": "bob"}))
    assert "did you mean 'voice'" in (unknown.value.hint or "")


def test_a_config_patch_becomes_part_of_the_movie(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    movie = Movie.open(folder)
    plan = movie.plan(Changes(config={"segments": {"2": {"use_video": True}}}))
    assert {job.id for job in plan.jobs} >= {"TextToVideoProducer[2]"}
    assert "use_video" not in (folder / "Moviefile.yaml").read_text(), "a plan changes nothing"
    fake = FakeAdapter(clock=ManualClock())
    result = movie.build(
        Changes(config={"voice": "bob"}), adapters={"fake": fake}, clock=fake.clock
    )
    assert result.complete and fake.calls_by_producer() == {"AudioProducer": 6}
    assert yaml.safe_load((folder / "Moviefile.yaml").read_text())["voice"] == "bob"
    assert not Movie.open(folder).make_plan().to_run()


def test_redo_through_changes_is_one_new_take(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    fake = FakeAdapter(clock=ManualClock())
    result = Movie.open(folder).build(
        Changes(redo=["SegmentImage[5][1]"]), adapters={"fake": fake}, clock=fake.clock
    )
    assert dict(fake.calls) == {"TextToImageProducer[5][1]": 1}
    assert result.ran == {"TextToImageProducer": 1, "TimelineAssembler": 1}


def test_an_adapter_that_cannot_serve_its_role_is_a_moviefile_error(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, providers={"image": {"adapter": "elevenlabs"}})
    result = invoke("-C", str(folder), "--dry-run")
    assert result.exit_code == 2
    assert re.search(r"Moviefile\.yaml:\d+:\d+: providers: image: elevenlabs cannot serve", (
        result.output
    ))
    assert "adapters for image:" in result.output


def test_only_the_records_module_reads_revisions_and_journals() -> None:
    """Manifests and journal lines are read and written as typed records, in one module."""
    raw = re.compile(r"\b(read_manifest|write_manifest|read_journal|append_journal)\(")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.parent.name != "store" and path.name != "records.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if raw.search(line)
    ]
    assert offenders == []


def test_the_readme_python_example_runs_as_written(tmp_path: Path) -> None:
    readme = (PACKAGE.parent / "README.md").read_text()
    example = re.findall(r"```python\n(.*?)```", readme, re.S)[0]
    assert 'moviebuild.open("civil-war")' in example
    by_cli = tmp_path / "cli"
    write_moviefile(by_cli, **SMALL)
    write_moviefile(tmp_path / "civil-war", **SMALL)
    assert invoke("-C", str(by_cli)).exit_code == 0
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    for part in ("out", "prompts"):
        assert _tree(by_cli / part) == _tree(tmp_path / "civil-war" / part), part
    assert _manifest_without_time(by_cli) == _manifest_without_time(tmp_path / "civil-war")


def test_an_override_of_none_hands_the_slot_back_to_its_generator(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder()
    run_build(folder)
    path = folder / "prompts" / "segment-03" / "image-2.txt"
    generated = path.read_text()
    path.write_text("a red lighthouse\n")
    run_build(folder)
    movie = Movie.open(folder)
    changes = Changes(overrides={"SegmentImagePrompt[3][2]": None})
    plan = movie.make_plan(changes)
    image = next(p for p in plan.jobs if str(p.job.id) == "TextToImageProducer[3][2]")
    assert image.action.value == "reuse", "the generated prompt's image is still stored"
    fake = FakeAdapter(clock=ManualClock())
    result = movie.build(changes, adapters={"fake": fake}, clock=fake.clock)
    assert dict(fake.calls) == {} and result.wrote_revision
    assert path.read_text() == generated
    assert not Movie.open(folder).make_plan().to_run()
    assert [p.id for p in Movie.open(folder).state().prompts if p.source == "edited"] == []
