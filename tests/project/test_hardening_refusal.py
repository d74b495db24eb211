"""A provider's refusal reaches the person with its hint: the build summary quotes the prompt to
edit, and the revision records the hint next to the error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.providers.endpoints import ENDPOINTS, POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.testing.emulators import FaultKind, OpenAIEmulator
from tests.conftest import write_moviefile


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIEmulator]:
    for endpoint in ENDPOINTS.values():
        for var in (endpoint.key_env, *endpoint.base_envs):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(POLL_INTERVAL_ENV, "0.005")
    monkeypatch.setenv(TIMEOUT_ENV, "2")
    with OpenAIEmulator(key="sk-test-refusal-0000", hang_s=5) as emulator:
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        yield emulator


def test_a_refused_image_prompt_is_quoted_in_the_build_summary(
    tmp_path: Path, openai: OpenAIEmulator
) -> None:
    folder = tmp_path / "movie"
    write_moviefile(
        folder,
        duration=10,
        images_per_segment=1,
        providers={
            "image": {"adapter": "openai"},
            "speech": {"adapter": "fake"},
            "music": {"adapter": "fake"},
        },
    )
    openai.faults.add("images", FaultKind.REFUSAL)
    _register()
    result = CliRunner().invoke(cli, ["-C", str(folder), "build"])
    assert result.exit_code == 1, result.output
    prompt = (folder / "prompts" / "segment-01" / "image-1.txt").read_text().strip()
    assert "failed TextToImageProducer[1][1] (needs attention)" in result.stdout
    assert "    hint: edit this prompt" in result.stdout
    assert prompt[:40] in result.stdout
    manifest = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    assert prompt[:40] in manifest["jobs"]["TextToImageProducer[1][1]"]["hint"]
