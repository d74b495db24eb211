"""A worker's local slots: builds on their own threads and event loops share one bound, served
first come, first served, and a wait that is cancelled gives nothing away."""

from __future__ import annotations

import asyncio
import threading

import pytest

from moviebuild.distributed.local import LocalSlots


def test_builds_on_separate_loops_never_run_more_local_jobs_than_the_slots() -> None:
    slots = LocalSlots(2)
    lock = threading.Lock()
    running = most = done = 0
    release = threading.Event()

    async def job() -> None:
        nonlocal running, most, done
        async with slots.slot():
            with lock:
                running += 1
                most = max(most, running)
            await asyncio.to_thread(release.wait)
            with lock:
                running -= 1
                done += 1

    def build() -> None:
        async def jobs() -> None:
            await asyncio.gather(*(job() for _ in range(3)))

        asyncio.run(jobs())

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    while slots.busy < 2:
        release.wait(0.01)
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert (most, done, slots.busy) == (2, 9, 0)


def test_waiters_are_served_in_order_and_a_cancelled_wait_takes_no_slot() -> None:
    async def scenario() -> tuple[list[str], int]:
        slots = LocalSlots(1)
        order: list[str] = []
        gate = asyncio.Event()

        async def take(name: str) -> None:
            async with slots.slot():
                order.append(name)
                await gate.wait()

        first = asyncio.create_task(take("first"))
        await asyncio.sleep(0)
        queued = [asyncio.create_task(take(name)) for name in ("second", "gone", "third")]
        await asyncio.sleep(0)
        queued[1].cancel()
        gate.set()
        await asyncio.gather(first, queued[0], queued[2])
        with pytest.raises(asyncio.CancelledError):
            await queued[1]
        return order, slots.busy

    order, busy = asyncio.run(scenario())
    assert order == ["first", "second", "third"] and busy == 0


def test_a_worker_has_at_least_one_slot() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LocalSlots(0)
