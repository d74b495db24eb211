"""Estimate against bill on the provider emulators (which report usage as the services do).

Builds a 60 s movie (3 images per segment, paid text, images, speech, music and video through
the OpenAI, ElevenLabs, Replicate and fal emulators) and prints, per provider, the dry run's
estimate, the bill from the reported units, and the difference. Then builds a second movie
(30 s, another inquiry) with OpenAI text and prints the static and the learned estimate of its
LLM calls against their bill: how far each is off.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

import yaml

from moviebuild.project.cost import plan_cost_usd
from moviebuild.project.movie import Movie
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.providers.prices import Learned
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    FalEmulator,
    OpenAIEmulator,
    ReplicateEmulator,
)
from moviebuild.testing.fake import FakeAdapter


def write(folder: Path, **fields: object) -> Path:
    folder.mkdir(parents=True)
    (folder / "Moviefile.yaml").write_text(yaml.safe_dump(fields, sort_keys=False))
    return folder


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="moviebuild-money-"))
    os.environ.update({POLL_INTERVAL_ENV: "0.005", TIMEOUT_ENV: "20",
                       "MOVIEBUILD_USAGE_HISTORY": str(work / "usage.jsonl")})
    with ExitStack() as stack:
        for emulator in (OpenAIEmulator(), ElevenLabsEmulator(), ReplicateEmulator(),
                         FalEmulator()):
            os.environ.update(stack.enter_context(emulator).environment())
        first = write(work / "first", inquiry="Tell me about the Civil War", duration=60,
                      images_per_segment=3, segments={2: {"use_video": True}},
                      providers={"text": {"adapter": "openai"}, "image": {"adapter": "openai"},
                                 "speech": {"adapter": "elevenlabs"},
                                 "music": {"adapter": "replicate"}, "video": {"adapter": "fal"}})
        movie = Movie.open(first)
        estimate = plan_cost_usd(movie.make_plan(), movie.moviefile)
        result = movie.build()
        print(f"first movie (60 s, 3 images per segment): {result.outcome}")
        print(f"{'provider':<11} {'estimated':>10} {'billed':>10} {'difference':>11}")
        for cost in result.cost.providers:
            name = cost.provider
            print(f"{name:<11} {estimate.get(name, 0):>10.4f} {cost.billed_usd:>10.4f} "
                  f"{cost.billed_usd - estimate.get(name, 0):>+11.4f}")
        billed = result.cost.billed_usd
        print(f"{'total':<11} {sum(estimate.values()):>10.4f} {billed:>10.4f} "
              f"{billed - sum(estimate.values()):>+11.4f}")

        fake = FakeAdapter(clock=ManualClock())
        text_only = {"text": {"adapter": "openai"}, "image": {"adapter": "fake"},
                     "speech": {"adapter": "fake"}, "music": {"adapter": "fake"}}
        second = write(work / "second", inquiry="How lighthouses work", duration=30,
                       images_per_segment=2, providers=text_only)
        movie = Movie.open(second)
        plan = movie.make_plan()
        static = plan_cost_usd(plan, movie.moviefile, Learned())["openai"]
        learned = plan_cost_usd(plan, movie.moviefile)["openai"]
        report = movie.build(adapters={"fake": fake}, clock=fake.clock)
        billed = next(p.billed_usd for p in report.cost.providers if p.provider == "openai")
        print("second movie (30 s), its LLM calls only:")
        for name, value in (("static", static), ("learned", learned)):
            print(f"  {name:<8} estimate ${value:.6f}  billed ${billed:.6f}  "
                  f"off by {abs(value - billed) / billed:.1%}")


if __name__ == "__main__":
    main()
