"""The workers table (``moviebuild.workers`` in the cluster's database): each worker's row, which
it refreshes every few seconds; the claim by which one live worker takes over a dead one; and the
list ``GET /v1/workers`` shows.

A row rather than a DBOS mechanism: DBOS 3.4 keeps no liveness of executors without its paid
Conductor, and one UPDATE every few seconds per worker is cheap. Time is the database's clock
(``now()``), so workers on machines whose clocks disagree still agree on who is silent.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

import psycopg

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
"""


@dataclass(frozen=True)
class WorkerRow:
    """``state``: running (beating), draining (SIGTERM, finishing its calls), stopped (exited),
    recovered (found dead or stopped; ``recovered_by`` took its workflows)."""

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
    """One connection to the workers table (autocommit: every statement stands alone)."""

    def __init__(self, database_url: str) -> None:
        from moviebuild.distributed.runtime import ClusterError, redact

        try:
            self._conn = psycopg.connect(database_url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ClusterError(
                f"could not reach the database {redact(database_url)}: {exc}",
                hint="check that PostgreSQL runs and the URL (user, host, port, database) is right",
            ) from None
        with self._conn.cursor() as cursor:
            # Workers starting together would race on CREATE ... IF NOT EXISTS.
            cursor.execute("SELECT pg_advisory_lock(72410016)")
            try:
                cursor.execute(_SCHEMA)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(72410016)")

    def close(self) -> None:
        self._conn.close()

    def join(self, executor_id: str, app_version: str) -> None:
        self._conn.execute(
            """INSERT INTO moviebuild.workers (executor_id, host, pid, app_version, state)
               VALUES (%s, %s, %s, %s, 'running')
               ON CONFLICT (executor_id) DO UPDATE SET host = EXCLUDED.host,
                 pid = EXCLUDED.pid, app_version = EXCLUDED.app_version, started = now(),
                 last_seen = now(), state = 'running', recovered_by = NULL""",
            (executor_id, socket.gethostname(), os.getpid(), app_version),
        )

    def beat(self, executor_id: str, jobs_running: int, jobs_done: int, state: str) -> None:
        self._conn.execute(
            """UPDATE moviebuild.workers SET last_seen = now(), jobs_running = %s,
                 jobs_done = %s, state = %s WHERE executor_id = %s""",
            (jobs_running, jobs_done, state, executor_id),
        )

    def claim_dead(self, executor_id: str, app_version: str, dead_after_s: float) -> list[str]:
        """Mark workers of this version that stopped, or are silent for ``dead_after_s``, as
        recovered by ``executor_id``; their ids. One UPDATE, so two live workers never both
        claim the same dead one."""
        rows = self._conn.execute(
            """UPDATE moviebuild.workers SET state = 'recovered', recovered_by = %s
               WHERE app_version = %s AND executor_id <> %s AND (state = 'stopped'
                 OR (state IN ('running', 'draining')
                     AND last_seen < now() - make_interval(secs => %s)))
               RETURNING executor_id""",
            (executor_id, app_version, executor_id, dead_after_s),
        ).fetchall()
        return [row[0] for row in rows]

    def workers(self) -> list[WorkerRow]:
        rows = self._conn.execute(
            """SELECT executor_id, host, pid, app_version, state,
                 extract(epoch FROM now() - last_seen)::float8, jobs_running, jobs_done,
                 recovered_by
               FROM moviebuild.workers ORDER BY started, executor_id"""
        ).fetchall()
        return [WorkerRow(*row) for row in rows]
