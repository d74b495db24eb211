"""A worker's upkeep thread: every few seconds it reads the operator's limits and hands them to
the pool queues (which register what changed and route calls by them), and counts the live
workers (the queues' polling interval grows with them); about once an hour it
trims finished workflows older than the retention, and the rows of workers silent that long.

A thread of its own, with its own connection, so that neither the event loop nor a busy build
delays a limit the operator set. A database that blinks is logged and asked again at the next
round; nothing here ever stops the worker.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from moviebuild.distributed.heartbeat import live_workers, trim_gone
from moviebuild.distributed.limits import ClusterLimits, LimitsTable
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.errors import MovieBuildError

if TYPE_CHECKING:
    from dbos import DBOSClient

log = logging.getLogger("moviebuild.worker")

FINISHED = ["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"]
#: One trimmer at a time across the cluster (a session advisory lock).
_TRIM_LOCK = 72410018
_TRIM_BATCH = 500


def trim_finished(client: DBOSClient, older_than: datetime.datetime) -> int:
    """Delete the workflows that finished before ``older_than`` (their status, inputs, outputs
    and steps) through DBOS's public ``list_workflows`` and ``delete_workflows``; how many.
    Workflows queued or running are never touched."""
    cutoff = older_than.astimezone(datetime.UTC).isoformat()
    deleted = 0
    while True:
        found = client.list_workflows(
            status=FINISHED, completed_before=cutoff, limit=_TRIM_BATCH,
            load_input=False, load_output=False,
        )
        ids = [row.workflow_id for row in found]
        if not ids:
            return deleted
        client.delete_workflows(ids)
        deleted += len(ids)


class Upkeep:
    def __init__(
        self,
        settings: ClusterSettings,
        executor_id: str,
        on_limits: Callable[[ClusterLimits], list[str]],
        client: DBOSClient,
        on_workers: Callable[[int], object] | None = None,
    ) -> None:
        self.settings = settings
        self.executor_id = executor_id
        self.on_limits = on_limits
        self.on_workers = on_workers
        self.client = client
        self._table: LimitsTable | None = None
        self._synced = False
        self._failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_trim = time.monotonic() + 60.0

    def sync(self) -> ClusterLimits:
        """Read the operator's limits, apply what changed, hand them on, and the number of
        live workers (raises on failure)."""
        table = self._connection()
        limits = table.read()
        changed = self.on_limits(limits)
        if self.on_workers is not None:
            self.on_workers(live_workers(table.execute, self.settings.dead_after_s))
        if changed and self._synced:
            log.info("limits applied: %s", ", ".join(
                f"{p.pool} {p.concurrent}" for p in limits.pools() if p.pool in changed
            ))
        self._synced = True
        return limits

    def _connection(self) -> LimitsTable:
        if self._table is None:
            self._table = LimitsTable(
                self.settings.database_url,
                application_name=f"moviebuild-upkeep-{self.executor_id}"[:63],
            )
        return self._table

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="moviebuild-upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._table is not None:
            self._table.close()
            self._table = None

    def _run(self) -> None:
        while not self._stop.wait(self.settings.limits_every_s):
            try:
                self.sync()
            except Exception as exc:  # the database blinked: the next round asks again
                self._forget_connection()
                if not self._failing:  # once per outage, not every round
                    log.warning("could not read the cluster's limits (trying again every "
                                "%.0f s): %s", self.settings.limits_every_s, _reason(exc))
                self._failing = True
                continue
            if self._failing:
                log.info("the cluster's limits are read again")
                self._failing = False
            if time.monotonic() >= self._next_trim:
                self._next_trim = time.monotonic() + self.settings.trim_every_s
                self.trim()

    def trim(self, now: datetime.datetime | None = None) -> int:
        """Trim finished workflows older than the retention, unless another worker is at it."""
        if self.settings.retain_days <= 0:
            return 0
        older_than = (now or datetime.datetime.now(datetime.UTC)) - datetime.timedelta(
            days=self.settings.retain_days
        )
        try:
            table = self._connection()
            if not table.try_lock(_TRIM_LOCK):
                return 0
            try:
                deleted = trim_finished(self.client, older_than)
                gone = trim_gone(table.execute, older_than)
            finally:
                table.unlock(_TRIM_LOCK)
        except Exception as exc:
            self._forget_connection()
            log.warning("could not trim finished workflows: %s", _reason(exc))
            return 0
        if deleted:
            log.info("trimmed %d workflows finished before %s", deleted,
                     older_than.isoformat(timespec="seconds"))
        if gone:
            log.info("trimmed the rows of %d workers silent since before %s: %s", len(gone),
                     older_than.isoformat(timespec="seconds"), ", ".join(gone))
        return deleted

    def _forget_connection(self) -> None:
        if self._table is not None:
            with contextlib.suppress(Exception):  # already broken
                self._table.close()
            self._table = None


def _reason(exc: Exception) -> str:
    if isinstance(exc, MovieBuildError):
        return exc.message
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
