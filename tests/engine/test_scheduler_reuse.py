"""Early cutoff and reuse in the scheduler: a job is decided again with its inputs' real bytes."""

from __future__ import annotations

from moviebuild.engine.decide import Action
from moviebuild.engine.events import EventKind
from moviebuild.engine.reasons import ReasonKind
from moviebuild.graph import Graph
from moviebuild.testing.memory import MemoryResults
from moviebuild.testing.scheduling import ScriptedBuild, output_of, sketch_graph


async def built(graph: Graph) -> MemoryResults:
    """Stored results of one complete build of ``graph``, recorded as the current revision."""
    build = ScriptedBuild(graph)
    await build.start()
    while build.running:
        await build.complete(build.running[0])
    build.results.record_build({o.job_id: o for o in (await build.finish()).values()})
    return build.results


async def test_a_second_build_with_nothing_changed_calls_nothing() -> None:
    graph = sketch_graph({"A": [], "B": ["A"], "C": ["A", "B"]})
    build = ScriptedBuild(graph, results=await built(graph))
    await build.start()
    outcomes = await build.finish()
    assert build.started == []
    assert {o.action for o in outcomes.values()} == {Action.REUSE}


async def test_an_upstream_rerun_with_identical_bytes_runs_nothing_downstream() -> None:
    graph = sketch_graph({"A": [], "B": ["A"], "C": ["B"]})
    build = ScriptedBuild(graph, results=await built(graph), redo=["A"])
    await build.start()
    assert build.running == ["A"]

    await build.complete("A")

    outcomes = await build.finish()
    assert build.started == ["A"]
    assert outcomes["A"].reason and outcomes["A"].reason.kind is ReasonKind.REDO
    assert (outcomes["B"].action, outcomes["C"].action) == (Action.REUSE, Action.REUSE)


async def test_an_upstream_rerun_with_new_bytes_reruns_its_dependents() -> None:
    graph = sketch_graph({"A": [], "B": ["A"], "C": ["B"]})
    build = ScriptedBuild(graph, results=await built(graph), redo=["A"])
    await build.start()

    await build.complete("A", data=b"different")

    assert build.running == ["B"]
    assert build.executor.call("B").inputs() == {output_of("A"): b"different"}
    await build.complete("B")
    outcomes = await build.finish()
    reason = outcomes["B"].reason
    assert reason and (reason.kind, reason.subject) == (ReasonKind.INPUT_CHANGED, output_of("A"))
    assert outcomes["C"].action is Action.REUSE, "B made the same bytes as before"


async def test_a_job_whose_every_output_is_overridden_is_skipped() -> None:
    build = ScriptedBuild(
        sketch_graph({"A": [], "B": ["A"]}), overrides={output_of("A"): b"my own words"}
    )
    await build.start()

    assert build.running == ["B"]
    assert build.executor.call("B").inputs() == {output_of("A"): b"my own words"}
    assert [str(e.job_id) for e in build.events_of(EventKind.SKIPPED)] == ["A"]
    await build.complete("B")
    outcomes = await build.finish()
    assert (outcomes["A"].status.value, outcomes["A"].action) == ("skipped", Action.SKIP)
    assert build.started == ["B"]


async def test_a_job_after_a_reused_one_starts_while_another_call_runs() -> None:
    graph = sketch_graph({"A": [], "B": ["A"], "X": []})
    build = ScriptedBuild(graph, results=await built(graph), redo=["B", "X"])

    await build.start()

    assert sorted(build.running) == ["B", "X"]
