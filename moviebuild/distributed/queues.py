"""One DBOS queue per provider pool, whose ``global_concurrency`` and ``limiter`` are the pool's
calls in flight and requests per minute as the operator set them (``distributed.limits``), so the
limits hold across every worker together; and the queue of builds, which any worker dequeues."""

from __future__ import annotations

import threading
import time
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.distributed.limits import ClusterLimits, PoolLimits

BUILD_QUEUE = "moviebuild-builds"
_POOL_PREFIX = "moviebuild-pool-"
#: The fleet looks at the builds queue no more often than this: a build lasts minutes, so a
#: second more before it starts costs nothing, while polling it as often as the pools (whose
#: freed slots wait for the next look) was a third of an idle worker's statements.
BUILD_POLL_S = 1.0
#: The queues' rows are shared by the fleet, so a worker writes its pace again this often even
#: when its own count of live workers has not changed: a row another worker wrote last (a worker
#: that was leaving, counting itself) is corrected within this time, not left as it was.
PACE_REFRESH_S = 15.0



def pool_queue(pool: str) -> str:
    """The queue name of provider pool ``pool`` (``replicate``, ``openai:image``...)."""
    return _POOL_PREFIX + pool


def tenant_of(build_id: str) -> str:
    """The tenant a build belongs to: the first segment of its id (the server's builds are
    ``tenant/movie/build``); builds submitted without one share the tenant ``-``."""
    head, sep, _ = build_id.partition("/")
    return head if sep and head else "-"


def queue_options(limits: PoolLimits, poll_interval_s: float) -> dict[str, Any]:
    """``register_queue`` arguments for a pool with ``limits``.

    The queue is partitioned by tenant (each call is enqueued with its build's tenant as the
    partition key): DBOS then dequeues the partitions that have work in a random order on every
    poll, so a slot that frees goes to any waiting tenant alike, and one tenant's backlog cannot
    hold up another tenant's first build. A tenant alone may still use every slot
    (``partition_concurrency`` is the pool's own limit)."""
    rpm = limits.per_minute
    return {
        "global_concurrency": limits.concurrent,
        "partition_concurrency": limits.concurrent,
        "limiter": {"limit": rpm, "period": 60.0} if rpm else None,
        "polling_interval_sec": poll_interval_s,
    }


async def ensure_build_queue(poll_interval_s: float) -> None:
    """The builds queue: no limit, a build waits on its calls, not on a slot."""
    from dbos import DBOS

    await DBOS.register_queue_async(
        BUILD_QUEUE, polling_interval_sec=max(BUILD_POLL_S, poll_interval_s)
    )


class PoolQueues:
    """The pool queues of this process, registered with the limits in force and the polling
    interval of the fleet's size.

    A pool's queue is registered the first time a build of this process calls the pool (so the
    cluster has, and every worker polls, only the queues of pools in use, not one per adapter
    moviebuild knows), and again whenever the operator's limits change; every pool the operator
    set is kept current by every worker.
    Queues live in the database and every worker reloads a queue's row on each poll, so one
    registration reaches every worker. Only the operator's table (or the defaults) decides: no
    Moviefile registers a queue.

    Every worker polls every queue (DBOS has no push for queues, and any worker may take any
    call), so the interval in a queue's row is ``--poll`` times the live workers (``pace``): the
    fleet as a whole looks at each queue about once per ``--poll`` whatever its size, and the
    database's load from polling does not grow with the workers. A freed slot still waits about
    ``--poll`` for the next look, as with one worker.
    """

    def __init__(self, poll_interval_s: float) -> None:
        self.poll_interval_s = poll_interval_s
        #: The interval in the queues' rows: ``poll_interval_s`` x the live workers.
        self.interval_s = poll_interval_s
        self._paced_at = -PACE_REFRESH_S
        self.limits = ClusterLimits()
        self._applied: dict[str, PoolLimits] = {}
        self._lock = threading.Lock()

    def queue_for(self, adapter: str, role: Role) -> str:
        """The queue of the pool that a call of ``adapter`` for ``role`` goes to (registered)."""
        pool = self.limits.pool_for(adapter, role)
        if pool not in self._applied:
            with self._lock:
                self._apply(self.limits.limits_of(pool))
        return pool_queue(pool)

    def update(self, limits: ClusterLimits) -> list[str]:
        """Route by ``limits`` from now on and register the queues whose limits changed; the
        pools registered."""
        with self._lock:
            self.limits = limits
            return [
                pool.pool
                for pool in limits.pools()
                if (pool.pool in limits.operator or pool.pool in self._applied)
                and self._apply(pool)
            ]

    def pace(self, workers: int) -> bool:
        """Poll the pools registered every ``poll_interval_s`` x ``workers`` seconds from now
        on (the builds queue: ``BUILD_POLL_S`` x ``workers`` at least); whether that changed."""
        from dbos import DBOS

        interval_s = self.poll_interval_s * max(1, workers)
        with self._lock:
            now = time.monotonic()
            if interval_s == self.interval_s and now - self._paced_at < PACE_REFRESH_S:
                return False
            self.interval_s = interval_s
            self._paced_at = now
            DBOS.register_queue(
                BUILD_QUEUE,
                polling_interval_sec=max(BUILD_POLL_S, self.poll_interval_s) * max(1, workers),
                on_conflict="always_update",
            )
            for pool in list(self._applied.values()):
                self._apply(pool, force=True)
        return True

    def registered(self) -> dict[str, PoolLimits]:
        return dict(self._applied)

    def _apply(self, pool: PoolLimits, force: bool = False) -> bool:
        from dbos import DBOS

        known = self._applied.get(pool.pool)
        if not force and known is not None and (known.concurrent, known.per_minute) == (
            pool.concurrent, pool.per_minute
        ):
            return False
        DBOS.register_queue(
            pool_queue(pool.pool), **queue_options(pool, self.interval_s),
            on_conflict="always_update",
        )
        self._applied[pool.pool] = pool
        return True
