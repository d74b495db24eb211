"""The workers table (``moviebuild.workers`` in the cluster's database): each worker's row, which
it refreshes every few seconds; the claim by which one live worker takes over a dead one; and the
list ``GET /v1/workers`` shows.

A row rather than a DBOS mechanism: DBOS 3.4 keeps no liveness of executors without its paid
Conductor, and one UPDATE every few seconds per worker is cheap. Time is the database's clock
(``now()``), so workers on machines whose clocks disagree still agree on who is silent.
"""

from __future__ import annotations

import datetime
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from moviebuild.distributed.pg import Database

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS moviebuild;
CREATE TABLE IF NOT EXISTS moviebuild.workers (
    executor_id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    app_version text NOT NULL,
    started timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    state text NOT NULL,
    jobs_running integer NOT NULL DEFAULT 0,
    jobs_done bigint NOT NULL DEFAULT 0,
    recovered_by text
);
ALTER TABLE moviebuild.workers ADD COLUMN IF NOT EXISTS incarnation bigint NOT NULL DEFAULT 1;
ALTER TABLE moviebuild.workers ADD COLUMN IF NOT EXISTS claimed_at timestamptz;
"""

#: States of a worker that may act: it beats (``running``) or finishes its calls (``draining``).
LIVE_STATES = ("running", "draining")


@dataclass(frozen=True)
class WorkerRow:
    """``state``: running (beating), draining (SIGTERM, finishing its calls), stopped (exited),
    recovering (found dead or stopped; ``recovered_by`` is handing its workflows back to their
    queues), recovered (done; a worker that was only slow then rejoins as running)."""

    executor_id: str
    host: str
    pid: int
    app_version: str
    state: str
    silent_s: float
    jobs_running: int
    jobs_done: int
    recovered_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.executor_id,
            "host": self.host,
            "pid": self.pid,
            "version": self.app_version,
            "state": self.state,
            "silent_s": round(self.silent_s, 1),
            "jobs_running": self.jobs_running,
            "jobs_done": self.jobs_done,
            "recovered_by": self.recovered_by,
        }


class WorkerTable:
    """The workers table over one reconnecting connection (``pg.Database``): a statement that
    meets a restarted database raises ``psycopg.Error`` and the next one reconnects."""

    def __init__(self, database_url: str) -> None:
        from moviebuild.distributed.settings import ClusterError, redact

        self.db = Database(database_url)
        try:
            self.db.connect()
        except psycopg.Error as exc:
            raise ClusterError(
                f"could not reach the database {redact(database_url)}: {exc}",
                hint="check that PostgreSQL runs and the URL (user, host, port, database) is right",
            ) from None
        create_schema(self.db)

    def close(self) -> None:
        self.db.close()

    def join(self, executor_id: str, app_version: str) -> int:
        """Write this worker's row as running; its incarnation (one more at every join, so a
        worker that rejoins after being claimed is not taken for what it was before)."""
        rows = self.db.execute(
            """INSERT INTO moviebuild.workers (executor_id, host, pid, app_version, state)
               VALUES (%s, %s, %s, %s, 'running')
               ON CONFLICT (executor_id) DO UPDATE SET host = EXCLUDED.host,
                 pid = EXCLUDED.pid, app_version = EXCLUDED.app_version, started = now(),
                 last_seen = now(), state = 'running', recovered_by = NULL, claimed_at = NULL,
                 incarnation = moviebuild.workers.incarnation + 1
               RETURNING incarnation""",
            (executor_id, socket.gethostname(), os.getpid(), app_version),
        )
        return int(rows[0][0])

    def beat(
        self, executor_id: str, incarnation: int, jobs_running: int, jobs_done: int, state: str
    ) -> str | None:
        """Refresh the row of this incarnation; its state afterwards (``recovering`` or
        ``recovered`` when another worker claimed it meanwhile, None when the row is gone or
        belongs to a newer incarnation)."""
        rows = self.db.execute(
            """UPDATE moviebuild.workers SET last_seen = now(), jobs_running = %s,
                 jobs_done = %s, state = %s
               WHERE executor_id = %s AND incarnation = %s AND state IN ('running', 'draining')
               RETURNING state""",
            (jobs_running, jobs_done, state, executor_id, incarnation),
        )
        if rows:
            return str(rows[0][0])
        found = self.db.execute(
            "SELECT state FROM moviebuild.workers WHERE executor_id = %s AND incarnation = %s",
            (executor_id, incarnation),
        )
        return str(found[0][0]) if found else None

    def claim_dead(self, executor_id: str, app_version: str, dead_after_s: float) -> list[str]:
        """Mark workers of this version that stopped, or are silent for ``dead_after_s``, as
        ``recovering`` by ``executor_id``; their ids. One UPDATE, so two live workers never both
        claim the same dead one. A claim whose claimer went silent before it finished the
        recovery (still ``recovering`` after ``dead_after_s``) is claimed again: recovery is
        idempotent."""
        rows = self.db.execute(
            """UPDATE moviebuild.workers SET state = 'recovering', recovered_by = %s,
                 claimed_at = now()
               WHERE app_version = %s AND executor_id <> %s AND (state = 'stopped'
                 OR (state IN ('running', 'draining')
                     AND last_seen < now() - make_interval(secs => %s))
                 OR (state = 'recovering'
                     AND claimed_at < now() - make_interval(secs => %s)))
               RETURNING executor_id""",
            (executor_id, app_version, executor_id, dead_after_s, dead_after_s),
        )
        return [row[0] for row in rows]

    def recovered(self, executor_ids: list[str], by: str) -> None:
        """Their workflows are back on their queues: a claimed worker that still lives may
        rejoin now (not before, or the recovery would take its new work too)."""
        self.db.execute(
            """UPDATE moviebuild.workers SET state = 'recovered'
               WHERE executor_id = ANY(%s) AND state = 'recovering' AND recovered_by = %s""",
            (executor_ids, by),
        )

    def workers(self) -> list[WorkerRow]:
        rows = self.db.execute(
            """SELECT executor_id, host, pid, app_version, state,
                 extract(epoch FROM now() - last_seen)::float8, jobs_running, jobs_done,
                 recovered_by
               FROM moviebuild.workers ORDER BY started, executor_id"""
        )
        return [WorkerRow(*row) for row in rows]


def live_workers(
    execute: Callable[[str, tuple[Any, ...]], list[Any]], dead_after_s: float
) -> int:
    """How many workers beat within ``dead_after_s`` (running or draining)."""
    rows = execute(
        """SELECT count(*) FROM moviebuild.workers
           WHERE state IN ('running', 'draining')
             AND last_seen > now() - make_interval(secs => %s)""",
        (dead_after_s,),
    )
    return int(rows[0][0]) if rows else 0


def trim_gone(
    execute: Callable[[str, tuple[Any, ...]], list[Any]], older_than: datetime.datetime
) -> list[str]:
    """Delete the rows of workers silent since before ``older_than`` (the retention of finished
    workflows); their ids. Within that time any live worker of the same version has claimed
    such a worker and recovered its workflows (``claim_dead``), and a worker that comes back
    writes its row anew (``join``); a row kept longer only lengthens ``GET /v1/workers``."""
    rows = execute(
        """DELETE FROM moviebuild.workers
           WHERE last_seen < %s
           RETURNING executor_id""",
        (older_than,),
    )
    return sorted(str(row[0]) for row in rows)


def create_schema(db: Database) -> None:
    """The workers table and the leases table, created once (under an advisory lock: workers
    starting together would race on ``CREATE ... IF NOT EXISTS``)."""
    from moviebuild.distributed.lease import LEASE_SCHEMA

    db.execute("SELECT pg_advisory_lock(72410016)")
    try:
        db.execute(_SCHEMA + LEASE_SCHEMA)
    finally:
        db.execute("SELECT pg_advisory_unlock(72410016)")
