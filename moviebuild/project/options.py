"""``BuildOptions``: how a build runs (``Movie.build(changes, **options)``), as opposed to what it
builds (``Changes``). One typed definition that every build entry point takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import asyncio
    import threading
    from collections.abc import Mapping

    from moviebuild.engine.clock import Clock
    from moviebuild.engine.retry import RetryPolicy
    from moviebuild.project.events import EventCallback
    from moviebuild.project.run import PoolRegistry
    from moviebuild.providers.requests import Adapter


class BuildOptions(TypedDict, total=False):
    """``on_event``: called with each ``BuildEvent``. ``budget_usd``: refuse
    (``BudgetExceeded``) a build estimated above it. ``stop``: once set, no new call starts and
    what finished is recorded (e.g. set by a signal handler). ``pools``: provider pools shared
    across builds, so their limits hold together (a server's). ``clock``, ``adapters`` and
    ``retry`` are for tests."""

    on_event: EventCallback | None
    budget_usd: float | None
    stop: asyncio.Event | threading.Event | None
    pools: PoolRegistry | None
    clock: Clock | None
    adapters: Mapping[str, Adapter] | None
    retry: RetryPolicy | None
