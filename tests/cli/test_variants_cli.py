"""Variants on the command line: --dry-run --all-variants, --variant on status, log and build."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_commands import invoke
from tests.project.test_variants import VARIANTS, build, write


def test_all_variants_dry_run_prints_one_plan_per_variant(tmp_path: Path) -> None:
    folder = write(tmp_path / "m")
    build(folder, None)
    result = invoke("-C", str(folder), "--dry-run", "--all-variants", "--json")
    assert result.exit_code == 0, result.output
    plans = json.loads(result.output)
    assert [p["variant"] for p in plans] == [None, *VARIANTS]
    runs = {p["variant"]: sorted({j["producer"] for j in p["jobs"]}) for p in plans}
    assert runs[None] == []
    assert runs["vertical"] == ["TextToImageProducer", "TimelineAssembler"]
    assert runs["es"] == ["AudioProducer", "TimelineAssembler", "TranslationProducer"]
    text = invoke("-C", str(folder), "--dry-run", "--all-variants").output
    assert "== variant es (variants/es/out/, variants/es/prompts/) ==" in text


def test_status_and_log_take_the_variant(tmp_path: Path) -> None:
    folder = write(tmp_path / "m")
    build(folder, None)
    build(folder, "es")
    log = json.loads(invoke("-C", str(folder), "log", "--variant", "es", "--json").output)
    assert [entry["revision"] for entry in log] == [2]
    status = json.loads(invoke("-C", str(folder), "--variant", "es", "status", "--json").output)
    assert status["revision"] == 2 and status["status"] == "complete"
    texts = {p["id"]: p for p in status["prompts"]}
    assert texts["TranslatedNarration[1]"]["file"] == "prompts/segment-01/narration.txt"
    unknown = invoke("-C", str(folder), "status", "--variant", "xx")
    assert unknown.exit_code == 2
    assert "no variant 'xx'" in unknown.output and "es, es-vertical" in unknown.output
