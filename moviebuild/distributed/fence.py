"""Whether this worker may act now (``Fence``), and the thread that keeps it so (``Beats``).

A worker is declared dead by another after ``dead_after_s`` of silence, measured from the
database's ``now()`` at its last beat. That beat was sent after the worker noted the time, so
until ``sent + dead_after_s`` nobody can have claimed it: the fence holds for ``valid_s`` (half of
``dead_after_s``, a margin for clocks that run at slightly different rates) after each beat the
database confirmed. A worker that was paused (SIGSTOP, a starved CPU, a long GC) wakes up with
its fence expired and starts no call and writes nothing until a beat confirms it again; a beat
that finds the worker claimed ends its incarnation: every build and call it had keeps refusing
(they were handed to another worker), and once the claimer has put them back on their queues the
worker rejoins as a new incarnation and takes new work.

Beats come from a thread of their own, so neither the event loop nor a slow build or launch can
hold them up; the first beat is written before the worker dequeues anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg

from moviebuild.distributed.heartbeat import WorkerTable
from moviebuild.distributed.lease import LeaseLost

log = logging.getLogger("moviebuild.worker")


class Fence:
    """This worker's right to act: ``incarnation`` and how long the last confirmed beat lasts.

    Thread-safe; ``wait`` blocks a caller while the fence is only unconfirmed (a slow or
    restarting database) and raises ``LeaseLost`` once the incarnation it acts for has ended.
    """

    def __init__(self, valid_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.valid_s = valid_s
        self._clock = clock
        self._cond = threading.Condition()
        self._incarnation = 0
        self._until = 0.0
        self._listeners: list[Callable[[int], None]] = []

    @property
    def incarnation(self) -> int:
        with self._cond:
            return self._incarnation

    def start(self, incarnation: int, sent_at: float) -> None:
        """A new incarnation, confirmed by a beat sent at ``sent_at``."""
        with self._cond:
            self._incarnation = incarnation
            self._until = sent_at + self.valid_s
            self._cond.notify_all()

    def confirmed(self, sent_at: float) -> None:
        with self._cond:
            self._until = max(self._until, sent_at + self.valid_s)
            self._cond.notify_all()

    def end(self) -> None:
        """This incarnation was claimed by another worker: everything it does is refused."""
        with self._cond:
            ended = self._incarnation
            self._incarnation = -abs(ended) - 1 if ended >= 0 else ended
            self._until = 0.0
            listeners = list(self._listeners)
            self._cond.notify_all()
        for listener in listeners:
            listener(ended)

    def on_end(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call ``listener(incarnation)`` when an incarnation ends; returns the unsubscriber."""
        with self._cond:
            self._listeners.append(listener)

        def remove() -> None:
            with self._cond:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def holds(self, incarnation: int) -> bool:
        with self._cond:
            return incarnation == self._incarnation and self._clock() < self._until

    def lost(self, incarnation: int) -> bool:
        with self._cond:
            return incarnation != self._incarnation

    def wait(self, incarnation: int, what: str) -> None:
        """Return once the fence holds for ``incarnation``; ``LeaseLost`` once it ended."""
        said = False
        with self._cond:
            while True:
                if incarnation != self._incarnation:
                    raise LeaseLost(
                        f"this worker was taken for dead and its work handed on: not {what}",
                        hint="the worker that took it over finishes the build",
                    )
                left = self._until - self._clock()
                if left > 0:
                    return
                if not said:
                    log.info("waiting for a heartbeat to confirm this worker before %s", what)
                    said = True
                self._cond.wait(1.0)


class Beats:
    """The heartbeat thread: beat, confirm the fence, claim dead workers and recover them.

    ``recover(ids)`` hands dead workers' workflows back to their queues (on another thread, so a
    long recovery never delays a beat). A worker claims others only after ``dead_after_s`` of
    its own unbroken beats: after a database outage every row looks silent, and the workers
    that are alive beat again within that time.
    """

    def __init__(
        self,
        table: WorkerTable,
        fence: Fence,
        executor_id: str,
        version: str,
        *,
        heartbeat_s: float,
        dead_after_s: float,
        counts: Callable[[], tuple[int, int]],
        recover: Callable[[list[str]], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table, self.fence = table, fence
        self.executor_id, self.version = executor_id, version
        self.heartbeat_s, self.dead_after_s = heartbeat_s, dead_after_s
        self.counts, self.recover = counts, recover
        self.clock = clock
        self.state = "running"
        self.incarnation = 0
        self._streak_since: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recovering = threading.Lock()
        self._failures = 0

    def join(self) -> None:
        """Write the row and the first beat (before anything is dequeued)."""
        sent = self.clock()
        self.incarnation = self.table.join(self.executor_id, self.version)
        self.fence.start(self.incarnation, sent)
        self._streak_since = sent

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="moviebuild-heartbeat",
                                        daemon=True)
        self._thread.start()

    def stop(self, final_state: str | None = None) -> None:
        """Stop beating; write ``final_state`` (``stopped``) once, if the database answers."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.heartbeat_s + 15)
        if final_state is not None:
            try:
                self.table.beat(self.executor_id, self.incarnation, 0, self.counts()[1],
                                final_state)
            except psycopg.Error as exc:
                log.warning("could not mark worker %s %s: %s", self.executor_id, final_state,
                            exc)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = self.clock()
            self.beat_once()
            pause = self.heartbeat_s - (self.clock() - started)
            if self._failures:
                pause = min(max(pause, 0.2) * (2 ** min(self._failures, 4)), 5.0)
            self._stop.wait(max(pause, 0.0))

    def beat_once(self) -> None:
        sent = self.clock()
        running, done = self.counts()
        try:
            state = self.table.beat(self.executor_id, self.incarnation, running, done,
                                    self.state)
            if state in ("running", "draining"):
                self.fence.confirmed(sent)
            else:
                self._claimed(state)
            if self._failures:
                log.info("worker %s reached the database again", self.executor_id)
            self._failures = 0
            if self._streak_since is None:
                self._streak_since = sent
            if sent - self._streak_since >= self.dead_after_s and self.state == "running":
                self._claim()
        except psycopg.Error as exc:
            self._streak_since = None
            self._failures += 1
            if self._failures == 1 or self._failures % 20 == 0:
                log.warning("worker %s could not beat (%s); trying again", self.executor_id,
                            str(exc).strip().splitlines()[0] if str(exc).strip() else exc)

    def _claimed(self, state: str | None) -> None:
        if self.fence.incarnation == self.incarnation:
            log.warning("worker %s was taken for dead (%s): its builds and calls are handed on",
                        self.executor_id, state or "row gone")
            self.fence.end()
        if state in ("recovered", None) and self.state == "running":
            sent = self.clock()
            self.incarnation = self.table.join(self.executor_id, self.version)
            self.fence.start(self.incarnation, sent)
            log.info("worker %s rejoined (incarnation %d)", self.executor_id, self.incarnation)

    def _claim(self) -> None:
        dead = self.table.claim_dead(self.executor_id, self.version, self.dead_after_s)
        if not dead:
            return

        def recover() -> None:
            with self._recovering:
                try:
                    self.recover(dead)
                    self.table.recovered(dead, self.executor_id)
                except Exception:
                    # Left ``recovering``: claimed again after dead_after_s (recovery is
                    # idempotent), by this worker or another.
                    log.exception("recovering the workflows of %s failed", ", ".join(dead))

        threading.Thread(target=recover, name="moviebuild-recover", daemon=True).start()
