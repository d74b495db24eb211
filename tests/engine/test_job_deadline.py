"""One deadline per job, in real seconds from its first attempt, that retries cannot extend: a
call still running then is stopped, and no retry starts that would begin after it. The build
(and on a server the tenant's build slot) is then free again. The waits here are the deadline
itself (a few hundredths of a second); nothing asserts how long anything took."""

from __future__ import annotations

import asyncio

from moviebuild.engine.events import EventKind
from moviebuild.engine.retry import RetryPolicy
from moviebuild.testing.scheduling import ScriptedBuild, sketch_graph


async def until_done(build: ScriptedBuild) -> None:
    assert build._task is not None
    await asyncio.wait_for(asyncio.shield(build._task), 60)


async def test_a_call_that_never_answers_is_stopped_at_the_job_deadline() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": ["A"]}),
                          retry=RetryPolicy(job_deadline_s=0.05))
    await build.start()
    assert build.running == ["A"]  # and it never answers
    await until_done(build)
    outcomes = await build.finish()
    assert outcomes["A"].status.value == "needs-attention"
    assert outcomes["A"].attempts == 1, "a stopped call is not retried past the deadline"
    assert "deadline of 0.05 s" in (outcomes["A"].error or "")
    assert outcomes["B"].status.value == "blocked"
    assert build.started == ["A"]


async def test_a_retry_that_would_start_after_the_deadline_is_not_made() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}), retry=RetryPolicy(job_deadline_s=0.05))
    await build.start()
    await build.fail("A", 503)  # the backoff (0.5 s or more) ends after the deadline
    await until_done(build)
    outcome = (await build.finish())["A"]
    assert outcome.attempts == 1 and build.started == ["A"]
    assert "not tried again: the job's deadline" in (outcome.error or "")
    assert outcome.retryable, "the next build may try again"
    assert build.events_of(EventKind.RETRYING) == []


async def test_without_a_deadline_retries_go_on_as_before() -> None:
    build = ScriptedBuild(sketch_graph({"A": []}), retry=RetryPolicy(max_attempts=2))
    await build.start()
    await build.fail("A", 503)
    (retrying,) = build.events_of(EventKind.RETRYING)
    await build.advance(retrying.retry_in_s or 0)
    assert build.started == ["A", "A"]
    await build.complete("A")
    assert (await build.finish())["A"].status.value == "done"
