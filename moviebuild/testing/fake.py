"""A scripted fake adapter: counts calls per job, takes simulated time on a clock, and injects
429 / 5xx / 4xx / timeouts by rule. Text answers come from the offline writer so their shape is
real; media are small deterministic byte strings.

In another process (a real ``moviebuild`` run), it is configured by the JSON file named in
``MOVIEBUILD_FAKE_CONFIG`` and appends one line per call to ``call_log`` there.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from moviebuild.engine.clock import Clock, RealClock
from moviebuild.errors import ProviderError
from moviebuild.providers.offline import text
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)


@dataclass
class FaultRule:
    """Fail calls whose job id matches ``match`` (``*`` and ``?`` are wildcards; brackets are
    literal, so ``TextToImageProducer[3][2]`` names one job).

    ``status``: an HTTP status (429, 500, 400...), ``"timeout"``, or ``"hang"`` (the call never
    returns, in real time: a stalled provider only a deadline ends). ``times``: how many matching
    calls fail (None = all). ``probability``: the chance each matching call fails.
    """

    match: str
    status: int | str
    times: int | None = None
    probability: float = 1.0
    retry_after_s: float | None = None
    message: str = "injected fault"
    fired: int = 0


@dataclass
class FakeAdapter:
    """Deterministic fake provider for every role."""

    name: str = "fake"
    clock: Clock = field(default_factory=RealClock)
    latency_s: dict[str, float] = field(default_factory=dict)
    faults: list[FaultRule] = field(default_factory=list)
    seed: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    call_log: Path | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        config = os.environ.get("MOVIEBUILD_FAKE_CONFIG")
        if config and not self.faults and not self.latency_s:
            data = json.loads(Path(config).read_text())
            self.latency_s = {k: float(v) for k, v in data.get("latency_s", {}).items()}
            self.faults = [FaultRule(**rule) for rule in data.get("faults", [])]
            self.call_log = Path(data["call_log"]) if data.get("call_log") else None

    def calls_by_producer(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for job_id, number in self.calls.items():
            counts[job_id.split("[", 1)[0]] += number
        return counts

    async def _call(self, context: CallContext) -> None:
        job_id = context.job_id
        self.calls[job_id] += 1
        if self.call_log is not None:
            with self.call_log.open("a", encoding="utf-8") as log:
                log.write(job_id + "\n")
        producer = job_id.split("[", 1)[0]
        delay_s = self.latency_s.get(job_id, self.latency_s.get(producer, 0.0))
        if delay_s:
            await self.clock.sleep(delay_s)
        for rule in self.faults:
            if not fnmatch.fnmatchcase(job_id, _literal_brackets(rule.match)):
                continue
            if rule.times is not None and rule.fired >= rule.times:
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.fired += 1
            if rule.status == "hang":
                await asyncio.Event().wait()  # never answers: only a deadline ends the call
            raise _fault_error(rule, job_id)

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        await self._call(context)
        return text.answer(request.producer, request.variables)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        await self._call(context)
        return _media("audio", request.text, request.voice, request.emotion, request.take)

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        await self._call(context)
        return _media("music", request.prompt, request.duration_s, request.take)

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        await self._call(context)
        # The sheets' pictures make another image, as they would at a real provider.
        sheets = [xxhash.xxh3_64_hexdigest(b"".join(r.images)) for r in request.references]
        return _media("image", request.prompt, request.style, request.width, request.take,
                      *([sheets] if sheets else []))  # fmt: skip

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        await self._call(context)
        start = xxhash.xxh3_64_hexdigest(request.start_image) if request.start_image else None
        return _media("video", request.prompt, request.width, start, request.take)


def _media(kind: str, *parts: Any) -> bytes:
    digest = xxhash.xxh3_128_hexdigest(json.dumps([kind, *parts]).encode())
    return f"fake-{kind}:{digest}".encode()


def _fault_error(rule: FaultRule, job_id: str) -> ProviderError:
    return http_error(job_id, rule.status, rule.message, rule.retry_after_s, "fake")


def http_error(
    job_id: str,
    status: int | str,
    message: str,
    retry_after_s: float | None = None,
    provider: str = "fake",
) -> ProviderError:
    """The error an adapter raises for HTTP ``status`` (or ``"timeout"``), classified as the
    real adapters classify it: 429, 5xx and timeouts are retryable, other statuses are not."""
    if status == "timeout":
        return ProviderError(f"{job_id}: timed out ({message})", retryable=True, provider=provider)
    code = int(status)
    return ProviderError(
        f"{job_id}: HTTP {code}: {message}",
        retryable=code == 429 or code >= 500,
        retry_after_s=retry_after_s,
        provider=provider,
    )


def _literal_brackets(pattern: str) -> str:
    return "".join("[[]" if c == "[" else "[]]" if c == "]" else c for c in pattern)
