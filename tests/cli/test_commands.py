"""The command line in-process: dry-run JSON, init, schema, graph, status, explain, log, diff,
checkout, reset and gc on a movie built with the fake adapter."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from moviebuild.config.load import parse_moviefile
from moviebuild.graph import NodeId
from tests.conftest import MovieFactory, run_build, write_moviefile


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


def test_dry_run_json_prints_only_the_plan(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=300, images_per_segment=5)
    result = invoke("-C", str(folder), "--dry-run", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["layers"] == 4
    assert len(data["jobs"]) == 214
    assert sum(job["producer"] == "TextToImageProducer" for job in data["jobs"]) == 150
    assert set(data["jobs"][0]) >= {"id", "producer", "layer", "reason", "provider"}
    assert {job["reason"] for job in data["jobs"]} == {"new"}


def test_dry_run_text_groups_by_layer_and_producer(movie_folder: MovieFactory) -> None:
    result = invoke("-C", str(movie_folder()), "--dry-run")
    assert result.exit_code == 0
    assert "layer 0" in result.output and "layer 3" in result.output
    assert "TextToImageProducer" in result.output and "18  new x18" in result.output
    assert "critical path: 85 s" in result.output


def test_init_writes_a_valid_commented_moviefile_with_schema_line(tmp_path: Path) -> None:
    folder = tmp_path / "war"
    result = invoke("init", str(folder), "--inquiry", "Tell me about the Civil War")
    assert result.exit_code == 0
    text = (folder / "Moviefile.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=.moviefile.schema.json")
    assert parse_moviefile(text).inquiry == "Tell me about the Civil War"
    schema = json.loads((folder / ".moviefile.schema.json").read_text())
    assert "images_per_segment" in schema["properties"]
    again = invoke("init", str(folder), "--inquiry", "x")
    assert again.exit_code == 2 and "--force" in again.output


def test_schema_commands_print_json_schemas() -> None:
    moviefile = json.loads(invoke("schema", "moviefile").output)
    timeline = json.loads(invoke("schema", "timeline").output)
    assert moviefile["additionalProperties"] is False
    assert "tracks" in json.dumps(timeline)


def test_graph_draws_mermaid_and_dot(movie_folder: MovieFactory) -> None:
    folder = str(movie_folder(duration=20, images_per_segment=1))
    mermaid = invoke("-C", folder, "graph").output
    dot = invoke("-C", folder, "graph", "--format", "dot").output
    assert mermaid.startswith("flowchart LR")
    assert "ScriptProducer -->|SegmentNarration[1]| AudioProducer_1" in mermaid
    assert dot.startswith("digraph movie {") and "TimelineAssembler" in dot


def test_status_explain_log_diff_checkout(movie_folder: MovieFactory) -> None:
    folder = movie_folder(voice="alice")
    run_build(folder)
    fields = yaml.safe_load((folder / "Moviefile.yaml").read_text())
    write_moviefile(folder, **{**fields, "voice": "bob"})
    status = json.loads(invoke("-C", str(folder), "status", "--json").output)
    assert {job["id"] for job in status["jobs"] if job["status"] == "stale"} >= {
        f"AudioProducer[{i}]" for i in range(1, 7)
    }
    explained = json.loads(invoke("-C", str(folder), "explain", "SegmentAudio[2]", "--json").output)
    assert explained["id"] == "AudioProducer[2]"
    assert explained["reason"]["kind"] == "input-changed"
    assert explained["reason"]["subject"] == "voice"
    assert (explained["reason"]["old"], explained["reason"]["new"]) == ("alice", "bob")
    text = invoke("-C", str(folder), "explain", "AudioProducer[2]").output
    assert "would run: input-changed voice" in text
    run_build(folder)
    log = json.loads(invoke("-C", str(folder), "log", "--json").output)
    assert [entry["revision"] for entry in log] == [1, 2]
    diff = json.loads(invoke("-C", str(folder), "diff", "r1", "r2", "--json").output)
    assert diff["inputs"] == {"voice": {"old": "alice", "new": "bob"}}
    # Fake audio has no measurable length, so the timeline is byte-identical: early cutoff.
    assert set(diff["artifacts"]) == {f"SegmentAudio[{i}]" for i in range(1, 7)}
    assert [entry["name"] for entry in log] == ["r1", "r2"]
    assert invoke("-C", str(folder), "checkout", "r1").exit_code == 0
    assert "voice: alice" in (folder / "Moviefile.yaml").read_text()
    plan = json.loads(invoke("-C", str(folder), "--dry-run", "--json").output)
    assert plan["jobs"] == [], "checkout calls nothing and leaves nothing stale"


def test_reset_hands_an_edited_prompt_back(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    prompt = folder / "prompts" / "segment-03" / "image-2.txt"
    original = prompt.read_text()
    prompt.write_text("a red lighthouse\n")
    status = json.loads(invoke("-C", str(folder), "status", "--json").output)
    edited = [p["id"] for p in status["prompts"] if p["source"] == "edited"]
    assert edited == ["SegmentImagePrompt[3][2]"]
    result = invoke("-C", str(folder), "reset", "prompts/segment-03/image-2.txt")
    assert result.exit_code == 0 and "SegmentImagePrompt[3][2]" in result.output
    assert prompt.read_text() == original


def test_gc_removes_only_unreferenced_blobs(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    objects = folder / ".moviebuild" / "objects"
    stray = objects / "ff" / ("f" * 32 + ".png")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"nobody references me")
    before = {p.name for p in objects.rglob("*.*")}
    dry = json.loads(invoke("-C", str(folder), "gc", "--dry-run", "--json").output)
    assert dry["unreferenced"] >= 1 and stray.exists()
    invoke("-C", str(folder), "gc")
    after = {p.name for p in objects.rglob("*.*")}
    assert stray.name in before - after
    plan = json.loads(invoke("-C", str(folder), "--dry-run", "--json").output)
    assert plan["jobs"] == []


def test_a_held_lock_refuses_the_cli_build_with_the_holder_pid(movie_folder: MovieFactory) -> None:
    import os

    from moviebuild.project.movie import Movie

    folder = movie_folder()
    run_build(folder)
    with Movie.open(folder).open_store().lock():
        result = invoke("-C", str(folder), "--json")
    assert result.exit_code == 3
    assert str(os.getpid()) in result.output


def test_checkout_refuses_edits_no_revision_has_built(movie_folder: MovieFactory) -> None:
    folder = movie_folder(voice="alice")
    run_build(folder)
    fields = yaml.safe_load((folder / "Moviefile.yaml").read_text())
    write_moviefile(folder, **{**fields, "voice": "bob"})
    run_build(folder)
    (folder / "prompts" / "segment-02" / "image-1.txt").write_text("my own picture\n")
    write_moviefile(folder, **{**fields, "voice": "carol"})
    refused = invoke("-C", str(folder), "checkout", "r1")
    assert refused.exit_code == 2
    assert "Moviefile voice" in refused.output
    assert "edit of SegmentImagePrompt[2][1]" in refused.output
    assert "voice: carol" in (folder / "Moviefile.yaml").read_text(), "nothing was discarded"
    forced = invoke("-C", str(folder), "checkout", "r1", "--force")
    assert forced.exit_code == 0, forced.output
    assert "voice: alice" in (folder / "Moviefile.yaml").read_text()
    assert "my own picture" not in (folder / "prompts" / "segment-02" / "image-1.txt").read_text()


def test_redo_says_when_it_also_builds_pending_edits(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    quiet = invoke("-C", str(folder), "redo", "TextToImageProducer[1][1]", "--json")
    assert quiet.exit_code == 0, quiet.output
    assert "pending" not in quiet.stderr
    (folder / "prompts" / "segment-03" / "image-2.txt").write_text("a red lighthouse\n")
    redone = invoke("-C", str(folder), "redo", "TextToImageProducer[1][1]", "--json")
    assert redone.exit_code == 0, redone.output
    assert redone.stderr.startswith(
        "redo also builds what is pending: 2 jobs "
        "(override: SegmentImagePrompt[3][2], upstream-will-change)"
    )
    report = json.loads(redone.stdout)
    assert {job["id"] for job in report["jobs"]} >= {
        "TextToImageProducer[1][1]", "TextToImageProducer[3][2]"
    }


def test_log_and_diff_say_what_changed_as_people_read_it(movie_folder: MovieFactory) -> None:
    folder = movie_folder(voice="alice")
    run_build(folder)
    fields = yaml.safe_load((folder / "Moviefile.yaml").read_text())
    write_moviefile(folder, **{**fields, "voice": "bob"})
    (folder / "prompts" / "segment-03" / "image-2.txt").write_text("a red lighthouse\n")
    run_build(folder)
    run_build(folder, redo=[NodeId("TextToImageProducer", (1, 1))])

    log = json.loads(invoke("-C", str(folder), "log", "--json").output)
    assert [entry["changes"] for entry in log] == [
        [],
        ["voice: alice -> bob", "edited SegmentImagePrompt[3][2]"],
        ["redo TextToImageProducer[1][1]"],
    ]
    text = invoke("-C", str(folder), "log").output.splitlines()
    assert text[2].strip() == "voice: alice -> bob; edited SegmentImagePrompt[3][2]"

    diff = invoke("-C", str(folder), "diff", "r1", "r2")
    assert diff.exit_code == 0, diff.output
    lines = diff.output.splitlines()
    assert lines[:2] == ["settings", "  voice: alice -> bob"]
    assert "edited texts" in lines and "    + a red lighthouse" in lines
    assert "  changed out/segment-03/image-2.png" in lines
    assert "  changed out/segment-02/narration.mp3" in lines
    assert not any("xxh" in line or "'" in line for line in lines), "no digests, no reprs"
