"""One psycopg connection to the cluster's database that outlives the server it talks to: a
statement that finds the connection broken (a PostgreSQL restart, a failover, a dropped socket)
opens a new one and runs again, with a growing pause between tries.

It owns reconnecting and nothing else: what the tables mean is the workers table's and the
leases' business. DBOS keeps connections of its own and rides out restarts itself (its
``db_retry``); this is for moviebuild's own tables.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

log = logging.getLogger("moviebuild.worker")

#: Errors of the connection rather than of the statement: the same statement may succeed on a
#: new connection. (A syntax or constraint error is the statement's and is raised at once.)
CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)


class Database:
    """A lazily opened, thread-safe connection (autocommit: every statement stands alone).

    ``execute`` tries once and raises ``psycopg.Error`` (callers with a loop of their own, like
    the heartbeat, decide when to try again); ``execute_retrying`` blocks until the statement
    ran, pausing 0.2 s, 0.4 s... up to ``max_pause_s`` between tries, and returns ``None`` only
    when ``give_up`` says so.
    """

    def __init__(self, url: str, *, connect_timeout_s: float = 10.0,
                 max_pause_s: float = 5.0) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self.max_pause_s = max_pause_s
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def connect(self) -> None:
        """Open the connection now (raises ``psycopg.Error`` when the database is unreachable)."""
        with self._lock:
            self._connection()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self.connect_timeout_s))
            )
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run one statement; its rows (empty for a statement without RETURNING)."""
        with self._lock:
            try:
                cursor = self._connection().execute(sql, params)
                return cursor.fetchall() if cursor.description is not None else []
            except CONNECTION_ERRORS:
                self._drop()
                raise

    def execute_retrying(
        self,
        sql: str,
        params: Sequence[Any] | dict[str, Any] = (),
        *,
        what: str = "a statement",
        give_up: Callable[[], bool] = lambda: False,
    ) -> list[Any] | None:
        """``execute`` until the database answers; None once ``give_up()`` is true."""
        pause_s, tries = 0.2, 0
        while True:
            try:
                return self.execute(sql, params)
            except CONNECTION_ERRORS as exc:
                tries += 1
                if tries == 1 or tries % 10 == 0:
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                    log.warning("the database did not answer %s (%s); trying again", what,
                                reason)
            if self._closed or give_up():
                return None
            time.sleep(pause_s * (0.5 + random.random()))
            pause_s = min(pause_s * 2, self.max_pause_s)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):  # already broken
                conn.close()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._drop()
