"""One DBOS queue per provider pool, whose ``global_concurrency`` and ``limiter`` are the pool's
calls in flight and requests per minute as the operator set them (``distributed.limits``), so the
limits hold across every worker together; and the queue of builds, which any worker dequeues."""

from __future__ import annotations

from typing import Any

from moviebuild.distributed.limits import ClusterLimits, PoolLimits

BUILD_QUEUE = "moviebuild-builds"
_POOL_PREFIX = "moviebuild-pool-"



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

    await DBOS.register_queue_async(BUILD_QUEUE, polling_interval_sec=poll_interval_s)


def apply_limits(
    limits: ClusterLimits, poll_interval_s: float, applied: dict[str, PoolLimits]
) -> list[str]:
    """Register each pool's queue with the limits in force where they differ from ``applied``
    (what this process registered last, updated in place); the pools changed.

    Queues live in the database and every worker reloads a queue's row on each poll, so one
    registration reaches every worker. Only the operator's table (or the defaults) decides:
    no Moviefile registers a queue."""
    from dbos import DBOS

    changed = []
    for pool in limits.pools():
        name = pool_queue(pool.pool)
        known = applied.get(name)
        if known is not None and (known.concurrent, known.per_minute) == (
            pool.concurrent, pool.per_minute
        ):
            continue
        DBOS.register_queue(
            name, **queue_options(pool, poll_interval_s), on_conflict="always_update"
        )
        applied[name] = pool
        changed.append(pool.pool)
    return changed
