"""One DBOS queue per provider pool, whose ``global_concurrency`` and ``limiter`` are the pool's
calls in flight and requests per minute, so the limits hold across every worker together; and the
queue of builds, which any worker dequeues."""

from __future__ import annotations

from moviebuild.config.moviefile import LimitSpec

BUILD_QUEUE = "moviebuild-builds"
_POOL_PREFIX = "moviebuild-pool-"

_registered: dict[str, LimitSpec] = {}


def pool_queue(pool: str) -> str:
    """The queue name of provider pool ``pool`` (``replicate``, ``openai:image``...)."""
    return _POOL_PREFIX + pool


async def ensure_pool_queue(pool: str, limits: LimitSpec, poll_interval_s: float) -> str:
    """Register ``pool``'s queue with ``limits`` (once per process and limits); its name.

    Queues live in the database, so every worker listens to a queue registered anywhere. The
    last registration by the newest application version sets the limits: a pool is one
    provider account, so its limits belong to the deployment, not to one movie.
    """
    from dbos import DBOS

    name = pool_queue(pool)
    if _registered.get(name) != limits:
        rpm = limits.requests_per_minute
        await DBOS.register_queue_async(
            name,
            global_concurrency=limits.concurrent,
            limiter={"limit": rpm, "period": 60.0} if rpm else None,
            polling_interval_sec=poll_interval_s,
        )
        _registered[name] = limits
    return name


async def ensure_build_queue(poll_interval_s: float) -> None:
    """The builds queue: no limit, a build waits on its calls, not on a slot."""
    from dbos import DBOS

    await DBOS.register_queue_async(BUILD_QUEUE, polling_interval_sec=poll_interval_s)


def forget_registrations() -> None:
    """After DBOS shuts down (tests start several runtimes in one process)."""
    _registered.clear()
