"""A budget that holds during a build: asked before each call, its first refusal stops new calls
while the calls in flight finish; jobs never started have no outcome."""

from __future__ import annotations

from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.pools import PoolLimits
from moviebuild.graph import Job
from moviebuild.testing.scheduling import ScriptedBuild, sketch_graph


class ThreeTimesOver:
    """Every call is estimated at $1 and bills $3; the budget is $3."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.in_flight: set[str] = set()
        self.asked: list[str] = []

    def admit(self, job: Job) -> bool:
        self.asked.append(str(job.id))
        if self.spent + len(self.in_flight) + 1 > 3:
            return False
        self.in_flight.add(str(job.id))
        return True

    def ended(self, job: Job, outcome: JobOutcome) -> None:
        self.in_flight.discard(str(job.id))
        self.spent += 3


async def test_the_budget_stops_new_calls_and_lets_the_calls_in_flight_finish() -> None:
    spending = ThreeTimesOver()
    graph = sketch_graph({"A": [], "B": [], "C": [], "D": [], "E": ["A"]})
    any_pool = {job.id.name: "paid" for job in graph.jobs.values()}
    build = ScriptedBuild(graph, pools=any_pool, limits={"paid": PoolLimits(2)},
                          spending=spending)
    await build.start()
    assert sorted(build.running) == ["A", "B"]

    await build.complete("A")  # $3 spent, B still in flight: the next call would pass $3

    assert build.running == ["B"], "nothing new started"
    assert build.scheduler.budget_reached
    await build.complete("B")
    outcomes = await build.finish()

    assert {name: o.status for name, o in outcomes.items()} == {
        "A": JobStatus.DONE, "B": JobStatus.DONE}
    assert sorted(build.started) == ["A", "B"]
    assert spending.spent == 6 and not spending.in_flight
