"""Push for workflows that end: a trigger on DBOS's ``dbos.workflow_status`` notifies the channel
``moviebuild_finished`` with a workflow's id when its status becomes final, and ``Endings``
LISTENs to it on a connection of its own, so a worker learns that a call it waits on answered (or
a build it runs was cancelled) when it happens, without asking the database every interval.

It owns the trigger and the listening connection; what an ending means is the dispatcher's. A
notification can be missed (the connection dropped, the trigger is missing because the role may
not create it): ``wait`` then says so and the dispatcher asks for everything it waits on, as it
also does every ``fallback_s`` whatever happens.

A trigger rather than a DBOS mechanism: DBOS 3.4 notifies workflow events and messages, not the
end of a workflow, and a workflow's status is written after its function returned, so nothing
inside the job workflow can say "answered" at the right moment. The trigger fires at the commit
that makes the answer readable.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from typing import Any

import psycopg

log = logging.getLogger("moviebuild.worker")

CHANNEL = "moviebuild_finished"
#: One installer at a time (``CREATE OR REPLACE`` of one trigger by two sessions conflicts).
_INSTALL_LOCK = 72410019
_FINAL = "('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')"
TRIGGER_SQL = f"""
CREATE SCHEMA IF NOT EXISTS moviebuild;
CREATE OR REPLACE FUNCTION moviebuild.notify_finished() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.workflow_uuid);
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER moviebuild_finished
    AFTER UPDATE OF status ON dbos.workflow_status FOR EACH ROW
    WHEN (NEW.status IN {_FINAL} AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION moviebuild.notify_finished();
"""


def install(conn: psycopg.Connection[Any]) -> None:
    """Create or replace the trigger (DBOS's tables must exist: after a launch or a migrate)."""
    conn.execute("SELECT pg_advisory_lock(%s)", (_INSTALL_LOCK,))
    try:
        conn.execute(TRIGGER_SQL)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_INSTALL_LOCK,))


class Endings:
    """The ids of workflows that ended, as PostgreSQL announces them. Used by one thread."""

    def __init__(self, database_url: str, application_name: str = "moviebuild-endings") -> None:
        self.database_url = database_url
        self.application_name = application_name
        self._conn: psycopg.Connection[Any] | None = None
        self._pause_s = 0.2
        self._warned = False

    def wait(self, timeout_s: float) -> set[str] | None:
        """The workflows that ended within ``timeout_s`` (empty if none did); None when some may
        have ended unannounced (the connection was just opened again, or cannot be)."""
        if self._conn is None:
            self._open(timeout_s)
            return None
        try:
            ended = {n.payload for n in self._conn.notifies(timeout=timeout_s) if n.payload}
        except psycopg.Error as exc:
            self._drop(exc)
            return None
        return ended

    def _open(self, timeout_s: float) -> None:
        """Connect, install the trigger and LISTEN; on failure pause (up to ``timeout_s``)."""
        try:
            conn = psycopg.connect(
                self.database_url, autocommit=True, connect_timeout=10,
                application_name=self.application_name[:63],
            )
        except psycopg.Error as exc:
            self._drop(exc)
            time.sleep(min(timeout_s, self._pause_s * (0.5 + random.random())))
            return
        try:
            install(conn)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            conn.close()
            self._drop(exc)
            time.sleep(min(timeout_s, self._pause_s * (0.5 + random.random())))
            return
        self._conn, self._pause_s = conn, 0.2
        if self._warned:
            log.info("answers are announced again")
            self._warned = False

    def _drop(self, exc: Exception) -> None:
        if not self._warned:  # once per outage: the dispatcher polls meanwhile
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning("not listening for answers (asking every interval instead): %s", reason)
            self._warned = True
        self._pause_s = min(self._pause_s * 2, 5.0)
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
