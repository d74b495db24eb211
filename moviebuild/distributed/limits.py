"""The cluster's provider limits: what the operator set (``moviebuild limits set``), stored in
``moviebuild.provider_limits`` in the cluster's database, and what each pool's queue enforces.

A pool is one provider account: ``replicate``, or ``openai:image`` where the operator limits that
role of the account on its own. Its limits are the operator's row, else the adapter's default
(``providers.catalog.DEFAULT_LIMITS``). A Moviefile's ``limits:`` never reach this module: they
bound the admission of the Moviefile's own build (its scheduler's pools), under the cluster's.

Local work (``offline`` engines, the timeline) is no account and has no row here: each worker
bounds it by its own cores (``distributed.local``).

This module reads and writes the table and names pools; applying limits to the queues is
``upkeep``'s, dequeuing is DBOS's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import ADAPTER_ROLES, LimitSpec
from moviebuild.errors import ConfigError

#: Adapters whose calls go to a provider account (and so to a pool queue of the cluster).
ACCOUNT_ADAPTERS = tuple(a for a in ADAPTER_ROLES if a != "offline")
#: Adapters whose work runs on the worker that builds the movie, bounded by its cores.
LOCAL_ADAPTERS = ("offline", "internal")
MAX_CONCURRENT = 10_000

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS moviebuild;
CREATE TABLE IF NOT EXISTS moviebuild.provider_limits (
    pool text PRIMARY KEY,
    concurrent integer NOT NULL CHECK (concurrent >= 1),
    per_minute integer CHECK (per_minute >= 1),
    set_at timestamptz NOT NULL DEFAULT now()
);
"""
#: The advisory lock that serializes creating the schema (workers and commands start together).
_SCHEMA_LOCK = 72410017


def check_pool(pool: str) -> str:
    """``pool`` when it names a provider account (``replicate``, ``openai:image``); else a
    ConfigError that says which names exist."""
    adapter, _, role = pool.partition(":")
    if adapter in LOCAL_ADAPTERS:
        raise ConfigError(
            f"{adapter} work runs on each worker's own cores and has no cluster-wide limit",
            hint="bound it per worker: moviebuild worker --local-slots N",
        )
    if adapter not in ACCOUNT_ADAPTERS:
        raise ConfigError(
            f"unknown provider {adapter!r}",
            hint=f"providers: {', '.join(ACCOUNT_ADAPTERS)} (or PROVIDER:ROLE, e.g. openai:image)",
        )
    if role:
        roles = sorted(r.value for r in ADAPTER_ROLES[adapter])
        if role not in roles:
            raise ConfigError(
                f"{adapter} has no role {role!r}",
                hint=f"{adapter}'s roles: {', '.join(roles)}",
            )
    return pool


def check_limits(pool: str, concurrent: int, per_minute: int | None) -> None:
    """A ConfigError unless ``concurrent`` and ``per_minute`` are limits a pool can have."""
    if not 1 <= concurrent <= MAX_CONCURRENT:
        raise ConfigError(
            f"--concurrent {concurrent}: a pool runs 1 to {MAX_CONCURRENT} calls at once",
            hint="to go back to the provider's default: "
            f"moviebuild limits unset {pool}",
        )
    if per_minute is not None and per_minute < 1:
        raise ConfigError(
            f"--per-minute {per_minute}: a rate is at least 1 request a minute",
            hint="leave --per-minute out for no rate limit",
        )


def default_limits(pool: str) -> LimitSpec:
    from moviebuild.providers.catalog import DEFAULT_LIMITS

    return DEFAULT_LIMITS.get(pool.split(":", 1)[0], LimitSpec())


@dataclass(frozen=True)
class PoolLimits:
    """One pool's limits in force and where they come from (``operator`` or ``default``)."""

    pool: str
    concurrent: int
    per_minute: int | None
    source: str
    set_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "pool": self.pool,
            "concurrent": self.concurrent,
            "per_minute": self.per_minute,
            "source": self.source,
            "set_at": self.set_at,
        }


@dataclass(frozen=True)
class ClusterLimits:
    """A snapshot of the operator's rows: which pool a call goes to, and each pool's limits."""

    operator: dict[str, PoolLimits] = field(default_factory=dict)

    def pool_for(self, adapter: str, role: Role) -> str:
        """``adapter:role`` where the operator limits that role on its own, else ``adapter``."""
        specific = f"{adapter}:{role.value}"
        return specific if specific in self.operator else adapter

    def limits_of(self, pool: str) -> PoolLimits:
        """``pool``'s limits in force: the operator's, else the adapter's default."""
        found = self.operator.get(pool)
        if found is not None:
            return found
        spec = default_limits(pool)
        return PoolLimits(pool, spec.concurrent, spec.requests_per_minute, "default")

    def pools(self) -> list[PoolLimits]:
        """Every pool a call can go to: each account adapter (default limits unless set) and
        each ``adapter:role`` the operator set."""
        names = set(self.operator) | set(ACCOUNT_ADAPTERS)
        return [self.limits_of(name) for name in sorted(names)]


class LimitsTable:
    """``moviebuild.provider_limits`` over one psycopg connection (autocommit)."""

    def __init__(
        self, database_url: str, *, connect_timeout_s: int = 10,
        application_name: str = "moviebuild-limits",
    ) -> None:
        from moviebuild.distributed.settings import ClusterError

        try:
            import psycopg
        except ImportError as exc:
            raise ClusterError(
                "the cluster's limits live in PostgreSQL, and psycopg is not installed",
                hint="pip install 'moviebuild[cloud]'",
            ) from exc

        self.database_url = database_url
        try:
            self._conn = psycopg.connect(
                database_url, autocommit=True, connect_timeout=connect_timeout_s,
                application_name=application_name,
            )
            with self._conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
                try:
                    cursor.execute(_SCHEMA)
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
        except psycopg.Error as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: Exception) -> Exception:
        from moviebuild.distributed.settings import ClusterError, redact

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ClusterError(
            f"could not reach the database {redact(self.database_url)}: {reason}",
            hint="check that PostgreSQL runs and the URL (user, host, port, database) is right",
        )

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        import psycopg

        try:
            return self._conn.execute(sql, params)
        except psycopg.Error as exc:
            raise self._unreachable(exc) from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> LimitsTable:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run another statement on this connection (a worker's upkeep trims on it); its rows."""
        cursor = self._execute(sql, params)
        return list(cursor.fetchall()) if cursor.description is not None else []

    def try_lock(self, key: int) -> bool:
        """Take the session advisory lock ``key`` if no other session holds it."""
        row = self._execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        return bool(row and row[0])

    def unlock(self, key: int) -> None:
        self._execute("SELECT pg_advisory_unlock(%s)", (key,))

    def set(self, pool: str, concurrent: int, per_minute: int | None) -> PoolLimits:
        check_pool(pool)
        check_limits(pool, concurrent, per_minute)
        self._execute(
            """INSERT INTO moviebuild.provider_limits (pool, concurrent, per_minute)
               VALUES (%s, %s, %s)
               ON CONFLICT (pool) DO UPDATE SET concurrent = EXCLUDED.concurrent,
                 per_minute = EXCLUDED.per_minute, set_at = now()""",
            (pool, concurrent, per_minute),
        )
        return self.read().operator[pool]

    def unset(self, pool: str) -> bool:
        """Back to the adapter's default; whether the operator had set it."""
        check_pool(pool)
        deleted = self._execute(
            "DELETE FROM moviebuild.provider_limits WHERE pool = %s", (pool,)
        ).rowcount
        return bool(deleted)

    def read(self) -> ClusterLimits:
        rows = self._execute(
            "SELECT pool, concurrent, per_minute, set_at FROM moviebuild.provider_limits"
        ).fetchall()
        return ClusterLimits({
            pool: PoolLimits(pool, concurrent, per_minute, "operator", _iso(set_at))
            for pool, concurrent, per_minute, set_at in rows
        })


def _iso(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds") if value else None
