"""One DBOS queue per provider pool, whose ``global_concurrency`` and ``limiter`` are the pool's
calls in flight and requests per minute, so the limits hold across every worker together; and the
queue of builds, which any worker dequeues."""

from __future__ import annotations

import threading
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import LimitSpec, Moviefile
from moviebuild.engine.plan import Plan

BUILD_QUEUE = "moviebuild-builds"
_POOL_PREFIX = "moviebuild-pool-"

_registered: dict[str, LimitSpec] = {}
_lock = threading.Lock()


def pool_queue(pool: str) -> str:
    """The queue name of provider pool ``pool`` (``replicate``, ``openai:image``...)."""
    return _POOL_PREFIX + pool


def ensure_pool_queue(pool: str, limits: LimitSpec, poll_interval_s: float) -> str:
    """Register ``pool``'s queue with ``limits`` (once per process and limits); its name.

    Queues live in the database, so every worker listens to a queue registered anywhere. The
    last registration by the newest application version sets the limits: a pool is one
    provider account, so its limits belong to the deployment, not to one movie. A worker
    starts listening to a queue new to it within a second (DBOS looks for new queues once a
    second), so builds register their pools when they plan, before the first call.
    """
    from dbos import DBOS

    name = pool_queue(pool)
    with _lock:
        if _registered.get(name) != limits:
            DBOS.register_queue(name, **queue_options(limits, poll_interval_s))
            _registered[name] = limits
    return name


def queue_options(limits: LimitSpec, poll_interval_s: float) -> dict[str, Any]:
    """``register_queue`` arguments for a pool with ``limits``."""
    rpm = limits.requests_per_minute
    return {
        "global_concurrency": limits.concurrent,
        "limiter": {"limit": rpm, "period": 60.0} if rpm else None,
        "polling_interval_sec": poll_interval_s,
    }


async def ensure_build_queue(poll_interval_s: float) -> None:
    """The builds queue: no limit, a build waits on its calls, not on a slot."""
    from dbos import DBOS

    await DBOS.register_queue_async(BUILD_QUEUE, polling_interval_sec=poll_interval_s)


def forget_registrations() -> None:
    """After DBOS shuts down (tests start several runtimes in one process)."""
    _registered.clear()


def register_plan_pools(plan: Plan, moviefile: Moviefile, poll_interval_s: float) -> None:
    """Register the queue of every provider pool that ``plan`` will call, before it runs."""
    from moviebuild.providers import catalog

    for pool in {p.pool for p in plan.to_run() if p.job.role is not Role.INTERNAL}:
        ensure_pool_queue(pool, catalog.pool_limits(moviefile, pool), poll_interval_s)


def register_default_pools(poll_interval_s: float) -> None:
    """Create each adapter's pool queue with its default limits where none exists yet, so a
    worker listens to them before the first build (a build's own limits still win)."""
    from dbos import DBOS

    from moviebuild.providers import catalog

    for adapter, limits in catalog.DEFAULT_LIMITS.items():
        if adapter != "internal":
            DBOS.register_queue(
                pool_queue(adapter), **queue_options(limits, poll_interval_s),
                on_conflict="never_update",
            )
