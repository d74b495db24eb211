"""``explain`` takes what ``reset`` takes (ids and prompt files) and shows texts, not only hashes;
the dry run warns when a chosen provider has no key in the environment."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory, run_build


def invoke(*args: str) -> Any:
    _register()
    return CliRunner().invoke(cli, list(args))


def test_explain_a_prompt_file_shows_the_old_and_new_text(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    path = folder / "prompts" / "segment-03" / "image-2.txt"
    old = path.read_text().strip()
    path.write_text("a red lighthouse on a black cliff\n")
    answer = json.loads(
        invoke("-C", str(folder), "explain", "prompts/segment-03/image-2.txt", "--json").output
    )
    assert answer["id"] == "TextToImageProducer[3][2]", "what reruns, not the generator"
    assert answer["edited"] == "SegmentImagePrompt[3][2]"
    assert answer["generator"] == "TextToImagePromptProducer[3]"
    assert answer["reason"]["kind"] == "override"
    text = invoke("-C", str(folder), "explain", "prompts/segment-03/image-2.txt").output
    assert text.startswith("SegmentImagePrompt[3][2] is your edit (its generator ")
    assert "TextToImageProducer[3][2] would run: override" in text
    image = invoke("-C", str(folder), "explain", "SegmentImage[3][2]")
    assert image.exit_code == 0, image.output
    assert "would run: override SegmentImagePrompt[3][2]" in image.output
    assert f"old text: {old}" in image.output
    assert "new text: a red lighthouse on a black cliff" in image.output


def test_explain_takes_the_files_under_out(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    run_build(folder)
    image = invoke("-C", str(folder), "explain", "out/segment-03/image-2.png")
    assert image.exit_code == 0, image.output
    assert image.output.startswith("TextToImageProducer[3][2] is up to date")
    narration = json.loads(
        invoke("-C", str(folder), "explain", "./out/segment-01/narration.mp3", "--json").output
    )
    assert narration["id"] == "AudioProducer[1]"
    missing = invoke("-C", str(folder), "explain", "out/segment-09/image-1.png")
    assert missing.exit_code == 2 and "not a file this movie writes under out/" in missing.output


def test_explain_script_md_asks_for_an_id(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    result = invoke("-C", str(folder), "explain", "prompts/script.md")
    assert result.exit_code == 2
    assert "holds several texts" in result.output


def test_the_dry_run_warns_when_a_chosen_provider_has_no_key(
    movie_folder: MovieFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    folder = movie_folder(providers={"image": {"adapter": "replicate"}})
    text = invoke("-C", str(folder), "--dry-run")
    assert "warning: replicate is chosen but REPLICATE_API_TOKEN is not set" in text.output
    plan = json.loads(invoke("-C", str(folder), "--dry-run", "--json").output)
    assert plan["missing_keys"] == [
        "replicate is chosen but REPLICATE_API_TOKEN is not set; its calls will fail"
    ]
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_test")
    assert "warning" not in invoke("-C", str(folder), "--dry-run").output
