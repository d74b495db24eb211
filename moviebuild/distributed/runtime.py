"""DBOS in this process: launching and shutting it down with an explicit application version and
executor id, and the one private DBOS call moviebuild makes (recovering another executor's
workflows), wrapped here so that a test fails loudly when a DBOS release changes it.

The DBOS import lives here and in the modules that declare workflows and queues; nothing else in
moviebuild imports it.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from moviebuild.distributed.settings import APP_NAME, ClusterSettings
from moviebuild.distributed.settings import ClusterError as ClusterError
from moviebuild.distributed.settings import redact as redact

if TYPE_CHECKING:
    from dbos import DBOSClient

#: The DBOS release whose private recovery call ``recover_workflows_of`` wraps (pinned in the
#: ``cloud`` extra).
DBOS_VERSION = "3.4.0"


def import_dbos() -> Any:
    try:
        import dbos
        import psycopg  # noqa: F401  (the workers table)
    except ImportError as exc:
        raise ClusterError(
            "building on workers needs DBOS, which is not installed",
            hint="pip install 'moviebuild[cloud]'",
        ) from exc
    return dbos


def dbos_config(settings: ClusterSettings, executor_id: str) -> dict[str, Any]:
    return {
        "name": APP_NAME,
        "system_database_url": settings.database_url,
        "application_version": settings.version,
        "executor_id": executor_id,
        "log_level": "WARNING",
        "notification_listener_polling_interval_sec": settings.poll_interval_s,
        # The most connections DBOS keeps for this worker's queue threads, workflows and
        # steps (they wait for one beyond that); its LISTEN connection is one more.
        "sys_db_pool_size": settings.db_connections,
        # Named in pg_stat_activity, so an operator sees which worker holds which connection.
        "db_engine_kwargs": {
            "connect_args": {"application_name": f"moviebuild-worker-{executor_id}"[:63]},
            "pool_timeout": 30, "max_overflow": 0, "pool_pre_ping": True,
        },
    }


def launch(settings: ClusterSettings, executor_id: str) -> None:
    """Start DBOS as executor ``executor_id``; the workflows module must be imported first.

    Called on the event loop that should run the workflows (DBOS submits dequeued coroutines to
    the loop of the thread that launched it).
    """
    dbos = import_dbos()
    import moviebuild.distributed.workflows  # noqa: F401  (registers the workflows)

    logging.getLogger("dbos").setLevel(logging.WARNING)
    try:
        dbos.DBOS(config=dbos_config(settings, executor_id))
        dbos.DBOS.launch()
    except Exception as exc:
        shutdown(0)
        raise ClusterError(
            f"could not start on the database {redact(settings.database_url)}: {exc}",
            hint="check that PostgreSQL runs and the URL (user, host, port, database) is right",
        ) from exc


def shutdown(grace_s: float) -> None:
    """Stop dequeuing, give running workflows ``grace_s`` seconds, and disconnect."""
    dbos = import_dbos()
    dbos.DBOS.destroy(workflow_completion_timeout_sec=int(grace_s), destroy_registry=False)


def make_client(settings: ClusterSettings, connections: int | None = None) -> DBOSClient:
    """A client that enqueues and reads workflows without running any (servers, a worker's
    dispatcher, tests), keeping at most ``connections`` (default: ``db_connections``); the
    database's DBOS schema is created or migrated first (as a worker's launch would)."""
    dbos = import_dbos()
    try:
        dbos.DBOS.migrate(settings.database_url)
        return dbos.DBOSClient(  # type: ignore[no-any-return]
            system_database_url=settings.database_url, application_name=APP_NAME,
            system_database_pool_size=connections or settings.db_connections,
        )
    except Exception as exc:
        raise ClusterError(
            f"could not reach the database {redact(settings.database_url)}: {exc}"
        ) from exc


def recover_workflows_of(executor_ids: list[str]) -> int:
    """Hand the pending workflows of dead executors back to their queues; how many.

    DBOS recovers only its own executor id at launch; recovering another's is the private
    ``DBOS._recover_pending_workflows`` (re-enqueues each workflow on its own queue, so pool
    limits still hold, and is idempotent). Only workflows of this process's application
    version are recovered.
    """
    dbos = import_dbos()
    recover = _private_recover(dbos)
    return len(recover(executor_ids))


def _private_recover(dbos: Any) -> Any:
    found = getattr(dbos.DBOS, "_recover_pending_workflows", None)
    if found is None or list(inspect.signature(found).parameters) != ["executor_ids"]:
        raise ClusterError(
            f"this DBOS ({_installed_version()}) has no "
            "_recover_pending_workflows(executor_ids): dead workers cannot be recovered",
            hint=f"install the pinned release: pip install 'dbos=={DBOS_VERSION}'",
        )
    return found




def _installed_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("dbos")
    except metadata.PackageNotFoundError:
        return "?"
