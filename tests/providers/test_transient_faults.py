"""Whole builds against hostile providers: transient faults on every request (polls, result
fetches and downloads retry on their own budget, so no paid call runs twice), a provider asking
for a day's wait, and a provider answering corrupt media."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from moviebuild.engine.retry import RetryPolicy
from moviebuild.project.movie import Movie
from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    FalEmulator,
    OpenAIEmulator,
    ReplicateEmulator,
)

MOVIEFILE = """\
inquiry: {topic}
duration: 20
images_per_segment: 1
size: 480p
segments:
  2: {{use_video: true, image_to_video: true}}
providers:
  text: {{adapter: openai}}
  image: {{adapter: openai}}
  speech: {{adapter: openai}}
  music: {{adapter: elevenlabs}}
  video: {{adapter: replicate}}
  StartingImageProducer: {{adapter: fal}}
"""
TOPICS = ["tea", "bridges", "owls", "glass", "maps", "salt", "kites", "clocks", "bees", "ink"]
#: The engine's default number of attempts, with short waits so the test runs in seconds.
RETRY = RetryPolicy(max_attempts=5, base_delay_s=0.01, max_delay_s=0.05)


def test_with_30_percent_transient_faults_ten_of_ten_first_builds_complete(
        openai_emulator: OpenAIEmulator, elevenlabs_emulator: ElevenLabsEmulator,
        replicate_emulator: ReplicateEmulator, fal_emulator: FalEmulator,
        tmp_path: Path) -> None:
    emulators: list[Any] = [openai_emulator, elevenlabs_emulator, replicate_emulator,
                            fal_emulator]
    for emulator in emulators:
        emulator.polls_to_finish = 4
        emulator.faults.transient(0.3, seed=11)
    complete = 0
    for topic in TOPICS:
        folder = tmp_path / topic
        folder.mkdir()
        (folder / "Moviefile.yaml").write_text(MOVIEFILE.format(topic=f"The history of {topic}"),
                                               encoding="utf-8")
        result = Movie.open(folder).build(retry=RETRY)
        complete += result.complete
    faults = sum(e.counters.total() - e.served.total() for e in emulators)
    assert faults > 100, "the noise must really have hit"
    assert complete == 10
    # Every paid call ran exactly once per movie: a prediction, a request, an answer each.
    assert replicate_emulator.counters["submissions"] == 10
    assert fal_emulator.counters["submissions"] == 10
    assert openai_emulator.served["chat"] == 4 * 10
    assert openai_emulator.served["images"] == 10
    assert openai_emulator.served["speech"] == 2 * 10
    assert elevenlabs_emulator.served["music"] == 10


def test_a_provider_asking_for_a_day_fails_the_job_at_once_naming_its_time(
        openai_emulator: OpenAIEmulator, elevenlabs_emulator: ElevenLabsEmulator,
        replicate_emulator: ReplicateEmulator, fal_emulator: FalEmulator,
        tmp_path: Path) -> None:
    # Before the cap, "Retry-After: 100000" put the build to sleep for a day after one
    # "retrying" line.
    openai_emulator.faults.add("chat", "rate-limit", retry_after="100000")
    (tmp_path / "Moviefile.yaml").write_text(MOVIEFILE.format(topic="The history of tea"),
                                             encoding="utf-8")

    async def build() -> Any:
        return await asyncio.wait_for(Movie.open(tmp_path).build_async(retry=RETRY), 60)

    result = asyncio.run(build())
    (failed,) = result.failed()
    assert failed.id == "ScriptProducer" and not failed.retryable
    assert "asks to wait 27 h 46 min" in (failed.error or "")
    assert openai_emulator.counters["chat"] == 1


def test_a_png_signature_followed_by_junk_is_never_stored_or_exported(
        openai_emulator: OpenAIEmulator, elevenlabs_emulator: ElevenLabsEmulator,
        replicate_emulator: ReplicateEmulator, fal_emulator: FalEmulator,
        tmp_path: Path) -> None:
    openai_emulator.image_override = b"\x89PNG\r\n\x1a\n" + b"junk" * 500
    (tmp_path / "Moviefile.yaml").write_text(MOVIEFILE.format(topic="The history of tea"),
                                             encoding="utf-8")
    result = Movie.open(tmp_path).build(retry=RETRY)
    (failed,) = result.failed()
    assert failed.id == "TextToImageProducer[1][1]" and not failed.retryable
    assert "could not be decoded" in (failed.error or "")
    stored = [p.read_bytes() for p in (tmp_path / ".moviebuild" / "objects").rglob("*.png")]
    assert all(not data.endswith(b"junk") for data in stored)
