"""The fence without a database: how long a confirmed beat lets a worker act, what an ended
incarnation refuses, and the beat loop's rules (no claims until its own beats are unbroken for
``dead_after``; a claimed worker ends its incarnation and rejoins only once recovered)."""

from __future__ import annotations

import threading
from typing import cast

import psycopg
import pytest

from moviebuild.distributed.fence import Beats, Fence
from moviebuild.distributed.heartbeat import WorkerTable
from moviebuild.distributed.lease import LeaseLost


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTable:
    """The workers table as a script: ``states`` answers each beat; None raises like a
    database that went away."""

    def __init__(self, *states: str | None) -> None:
        self.states = list(states)
        self.joins = 0
        self.claims = 0

    def join(self, executor_id: str, version: str) -> int:
        self.joins += 1
        return self.joins

    def beat(self, executor_id: str, incarnation: int, running: int, done: int,
             state: str) -> str | None:
        answer = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if answer is None:
            raise psycopg.OperationalError("the connection is closed")
        return answer

    def claim_dead(self, executor_id: str, version: str, dead_after_s: float) -> list[str]:
        self.claims += 1
        return []


def beats(table: FakeTable, fence: Fence, clock: Clock) -> Beats:
    return Beats(
        cast(WorkerTable, table), fence, "w1", "v1", heartbeat_s=1.0, dead_after_s=4.0,
        counts=lambda: (0, 0), recover=lambda dead: None, clock=clock,
    )


def test_a_confirmed_beat_holds_the_fence_for_its_valid_time_only() -> None:
    clock = Clock()
    fence = Fence(valid_s=2.0, clock=clock)
    fence.start(1, sent_at=clock.now)
    assert fence.holds(1)
    clock.now += 1.9
    assert fence.holds(1) and not fence.holds(2)
    clock.now += 0.2
    assert not fence.holds(1), "a paused worker wakes up fenced"
    fence.confirmed(clock.now)
    assert fence.holds(1)


def test_an_ended_incarnation_refuses_and_tells_its_listeners() -> None:
    clock = Clock()
    fence = Fence(valid_s=2.0, clock=clock)
    fence.start(1, clock.now)
    ended: list[int] = []
    fence.on_end(ended.append)
    fence.end()
    assert ended == [1] and fence.lost(1)
    with pytest.raises(LeaseLost, match="taken for dead"):
        fence.wait(1, "calling X")


def test_a_waiter_blocked_by_an_unconfirmed_fence_goes_on_once_a_beat_confirms_it() -> None:
    clock = Clock()
    fence = Fence(valid_s=2.0, clock=clock)
    fence.start(1, clock.now - 10)
    done = threading.Event()

    def write() -> None:
        fence.wait(1, "writing")
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.05)
    fence.confirmed(clock.now)
    thread.join(5)
    assert done.is_set()


def test_no_claims_until_the_worker_itself_beat_without_a_break_for_dead_after() -> None:
    clock, table = Clock(), FakeTable("running", None, "running")
    fence = Fence(valid_s=2.0, clock=clock)
    worker = beats(table, fence, clock)
    worker.join()
    worker.beat_once()  # running
    clock.now += 1
    worker.beat_once()  # the database is gone: the streak breaks
    for _ in range(4):
        clock.now += 1
        worker.beat_once()
    assert table.claims == 0, "three seconds of beats after an outage claim nobody"
    clock.now += 1
    worker.beat_once()
    assert table.claims == 1


def test_a_claimed_worker_ends_its_incarnation_and_rejoins_once_recovered() -> None:
    clock, table = Clock(), FakeTable("recovering", "recovered", "running")
    fence = Fence(valid_s=2.0, clock=clock)
    worker = beats(table, fence, clock)
    worker.join()
    first = fence.incarnation
    worker.beat_once()
    assert fence.lost(first) and table.joins == 1, "no rejoin while its work is recovered"
    worker.beat_once()
    assert table.joins == 2 and fence.holds(fence.incarnation) and fence.incarnation != first
