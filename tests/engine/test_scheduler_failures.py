"""What a failure touches: only its dependents; a partial job still runs; a stop keeps the rest."""

from __future__ import annotations

from moviebuild.engine.events import EventKind
from moviebuild.testing.scheduling import ScriptedBuild, output_of, sketch_graph


async def test_a_failure_blocks_only_its_dependents() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": ["A"], "C": ["B"], "X": [], "Y": ["X"]}))
    await build.start()
    assert build.running == ["A", "X"]

    await build.fail("A", 400)

    assert [str(e.job_id) for e in build.events_of(EventKind.BLOCKED)] == ["B", "C"]
    assert build.running == ["X"]
    await build.complete("X", "Y")
    outcomes = await build.finish()
    assert {name: o.status.value for name, o in outcomes.items()} == {
        "A": "needs-attention",
        "B": "blocked",
        "C": "blocked",
        "X": "done",
        "Y": "done",
    }
    assert outcomes["B"].error == "blocked by A"
    assert "HTTP 400" in (outcomes["A"].error or "")


async def test_a_partial_job_runs_with_the_inputs_that_exist() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": [], "Z": ["A", "B"]}, partial=["Z"]))
    await build.start()
    await build.fail("A", 400)

    await build.complete("B")

    assert build.running == ["Z"]
    assert build.executor.call("Z").inputs() == {output_of("B"): output_of("B").encode()}


async def test_an_unexpected_exception_is_its_jobs_internal_error_and_others_go_on() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": []}))
    await build.start()

    build.executor.raise_error("A", RuntimeError("bug"))
    await build.complete("B")

    outcomes = await build.finish()
    assert outcomes["A"].error == "internal error: RuntimeError: bug"
    assert (outcomes["A"].status.value, outcomes["B"].status.value) == ("needs-attention", "done")


async def test_stop_halts_new_calls_but_keeps_finished_ones() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": [], "C": ["B"]}))
    await build.start()
    await build.complete("B")
    await build.fail("A", 503)
    assert build.running == ["C"] and build.clock.sleepers == 1

    await build.interrupt()

    await build.advance(3600)
    assert build.started == ["B", "A", "C"]
    assert build.executor.calls[-1].ended == "cancelled"
    outcomes = await build.finish()
    assert list(outcomes) == ["B"]
    assert build.scheduler.interrupted
    assert build.results.read_blob(outcomes["B"].outputs[output_of("B")]) == b"BOut"


async def test_a_call_that_returns_too_few_outputs_needs_attention() -> None:
    build = ScriptedBuild(sketch_graph({"A": [], "B": ["A"]}))
    await build.start()

    build.executor.complete("A", {})

    outcomes = await build.finish()
    assert outcomes["A"].status.value == "needs-attention"
    assert outcomes["A"].error == f"A returned no {output_of('A')}"
    assert outcomes["B"].status.value == "blocked"
