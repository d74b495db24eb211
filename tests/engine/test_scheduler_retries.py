"""Time on the manual clock: requests per minute, Retry-After, backoff, and bounded attempts."""

from __future__ import annotations

from moviebuild.engine.events import EventKind
from moviebuild.engine.pools import PoolLimits
from moviebuild.engine.retry import RetryPolicy
from moviebuild.testing.scheduling import ScriptedBuild, sketch_graph


async def test_requests_per_minute_hold_on_the_clock() -> None:
    graph = sketch_graph({"A": [], "B": [], "C": []})
    build = ScriptedBuild(
        graph,
        pools={name: "image" for name in "ABC"},
        limits={"image": PoolLimits(concurrent=10, requests_per_minute=2)},
    )
    await build.start()
    assert sorted(build.running) == ["A", "B"]
    await build.complete("A", "B")
    assert build.running == [], "two requests this minute already"

    await build.advance(59)
    assert build.running == []
    await build.advance(1)

    assert build.running == ["C"]
    assert build.executor.call("C").started_at == 60


async def test_a_429_waits_its_retry_after_on_the_clock() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}))
    await build.start()

    await build.fail("A", 429, retry_after_s=30)

    (retrying,) = build.events_of(EventKind.RETRYING)
    assert retrying.retry_in_s == 30
    await build.advance(29)
    assert build.running == []
    await build.advance(1)
    assert build.running == ["A"]
    assert build.executor.call("A").attempt == 2
    await build.complete("A")
    outcome = (await build.finish())["A"]
    assert (outcome.status.value, outcome.attempts) == ("done", 2)


async def test_a_job_is_tried_at_most_max_attempts_times() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": ["A"]}), retry=RetryPolicy(max_attempts=3))
    await build.start()

    for _ in range(3):
        await build.fail("A", 503)
        for event in build.events_of(EventKind.RETRYING)[-1:]:
            await build.advance(event.retry_in_s or 0)

    await build.advance(3600)
    assert build.started == ["A", "A", "A"]
    outcomes = await build.finish()
    assert outcomes["A"].status.value == "needs-attention"
    assert (outcomes["A"].attempts, outcomes["A"].retryable) == (3, True)
    assert "HTTP 503" in (outcomes["A"].error or "")
    assert outcomes["B"].status.value == "blocked"


async def test_a_backoff_without_retry_after_stays_within_the_policy() -> None:
    build = ScriptedBuild(
        sketch_graph({"A": []}), retry=RetryPolicy(base_delay_s=4, max_delay_s=10)
    )
    await build.start()
    delays = []
    for _ in range(3):
        await build.fail("A", "timeout")
        delay = build.events_of(EventKind.RETRYING)[-1].retry_in_s or 0.0
        delays.append(delay)
        await build.advance(delay)
    assert 2 <= delays[0] <= 4 and 4 <= delays[1] <= 8 and 5 <= delays[2] <= 10
    assert build.started == ["A"] * 4


async def test_a_400_needs_attention_at_once_without_a_retry() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}))
    await build.start()

    await build.fail("A", 400)

    await build.advance(3600)
    outcome = (await build.finish())["A"]
    assert build.started == ["A"]
    assert (outcome.status.value, outcome.attempts, outcome.retryable) == (
        "needs-attention",
        1,
        False,
    )
    assert build.events_of(EventKind.RETRYING) == []


async def test_a_retried_job_is_journaled_as_started_once() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}))
    await build.start()
    await build.fail("A", 500)
    await build.advance(build.events_of(EventKind.RETRYING)[0].retry_in_s or 0)
    await build.complete("A")
    await build.finish()
    assert [line["event"] for line in build.recorder.journal] == ["start", "end"]


async def test_a_job_backing_off_gives_its_pool_slot_to_the_next_job() -> None:
    build = ScriptedBuild(
        sketch_graph({"A": [], "B": []}, latency_s={"A": 10}),
        pools={"A": "image", "B": "image"},
        limits={"image": PoolLimits(concurrent=1)},
    )
    await build.start()
    assert build.running == ["A"]

    await build.fail("A", 503)

    assert build.running == ["B"]
    await build.advance(60)
    assert build.running == ["B"], "A waits for the slot again after its backoff"
    await build.complete("B")
    assert build.running == ["A"]


async def test_every_call_reports_waiting_started_and_its_end_in_order() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}))
    await build.start()
    await build.fail("A", 429, retry_after_s=1)
    await build.advance(1)
    await build.complete("A")
    await build.finish()
    assert [(e.kind.value, e.attempt) for e in build.events] == [
        ("waiting", 0),
        ("started", 1),
        ("retrying", 1),
        ("started", 2),
        ("finished", 2),
    ]
