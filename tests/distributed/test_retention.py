"""Trimming finished workflows older than the retention (``moviebuild worker --retain-days``):
finished ones go with their inputs and outputs, queued ones stay, and two workers never trim at
once."""

from __future__ import annotations

import datetime

import psycopg

from moviebuild.distributed import runtime
from moviebuild.distributed.heartbeat import WorkerTable
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.upkeep import Upkeep, trim_finished
from tests.distributed.cluster import create_database


def _rows(database: str) -> dict[str, int]:
    with psycopg.connect(database) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM dbos.{table}").fetchone()[0])  # type: ignore[index]
            for table in ("workflow_status", "workflow_input")
        }


def test_finished_workflows_past_the_retention_are_trimmed_and_queued_ones_stay(
    postgres_server: str,
) -> None:
    database = create_database(postgres_server)
    settings = ClusterSettings(database, retain_days=1 / 86400)  # one second
    WorkerTable(database).close()  # a worker's tables, as the worker that trims has them
    client = runtime.make_client(settings)
    try:
        client.register_queue("retention-test")
        for number in range(6):
            client.enqueue({"queue_name": "retention-test", "workflow_name": "moviebuild.job",
                            "workflow_id": f"w{number}"}, {"n": number})
        for number in range(4):
            client.cancel_workflow(f"w{number}")
        before = _rows(database)
        kept_too_young = trim_finished(
            client, datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
        )
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)
        upkeep = Upkeep(settings, "w-test", lambda _limits: [], client)
        other = Upkeep(settings, "w-other", lambda _limits: [], client)
        try:
            assert other._connection().try_lock(72410018)
            blocked = upkeep.trim(later)
            other._connection().unlock(72410018)
            trimmed = upkeep.trim(later)
        finally:
            upkeep.stop()
            other.stop()
        left = sorted(s.workflow_id for s in client.list_workflows(load_input=False))
        after = _rows(database)
    finally:
        client.destroy()

    assert kept_too_young == 0
    assert blocked == 0, "another worker holds the trim lock"
    assert trimmed == 4
    assert left == ["w4", "w5"]
    assert before == {"workflow_status": 6, "workflow_input": 6}
    assert after == {"workflow_status": 2, "workflow_input": 2}


def test_rows_of_workers_gone_longer_than_the_retention_are_trimmed(postgres_server: str) -> None:
    database = create_database(postgres_server)
    settings = ClusterSettings(database, retain_days=1)
    table = WorkerTable(database)
    client = runtime.make_client(settings)
    upkeep = Upkeep(settings, "w-live", lambda _limits: [], client)
    try:
        for worker, state in (("w-gone", "stopped"), ("w-killed", "running"),
                              ("w-recent", "stopped"), ("w-live", "running")):
            table.join(worker, "v1")
            table.db.execute(
                "UPDATE moviebuild.workers SET state = %s WHERE executor_id = %s",
                (state, worker),
            )
        table.db.execute(
            """UPDATE moviebuild.workers SET last_seen = now() - interval '2 days'
               WHERE executor_id IN ('w-gone', 'w-killed')"""
        )
        table.db.execute(
            """UPDATE moviebuild.workers SET last_seen = now() - interval '20 hours'
               WHERE executor_id = 'w-recent'"""
        )
        upkeep.trim()
        left = sorted(row.executor_id for row in table.workers())
        # A worker that comes back after its row was trimmed joins as a new row.
        incarnation = table.join("w-gone", "v1")
        back = sorted(row.executor_id for row in table.workers())
    finally:
        upkeep.stop()
        client.destroy()
        table.close()

    assert left == ["w-live", "w-recent"]
    assert incarnation == 1
    assert back == ["w-gone", "w-live", "w-recent"]
