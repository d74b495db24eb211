"""Scale-out on DBOS: 24 movies of 6 segments x 3 images on 1, 2 and 4 ``moviebuild worker``
processes sharing a throwaway PostgreSQL and one image pool of 8 concurrent calls.

Latencies are the design's medians scaled by 1/20 (script 2.5 s, image 1.5 s, speech and music
0.5 s, prompts 0.25 s; ``--scale`` to change), made by the fake adapter, so the numbers measure
the scheduling and the database, not media code. For each worker count it prints the makespan
(submit to the last build's answer), the pool's lower bound (total image work / 8 plus the
critical path before the first image), their ratio (target <= 1.15); where the time went (how
long an image call held its slot, the share of the pool's slots busy, when the first image
started); what it cost (database statements per dispatched call and per idle second, from
pg_stat_statements; rows and row writes per call; the workers' CPU per call); the most
connections at once (the bench's own client holds 1) and the most one worker held while the
builds ran; and the machine's load average, without which none of the times mean much.

    .venv/bin/python bench/scale.py [--movies 24] [--workers 1,2,4] [--scale 0.05] [--poll 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.upkeep import FINISHED
from moviebuild.distributed.workflows import BuildTicket
from tests.distributed.cluster import (
    FAKE,
    ConnectionPeaks,
    WorkerProcess,
    create_database,
    database_port,
    outcome,
    set_limit,
    write_movie,
)
from tests.distributed.postgres import throwaway_postgres

SCALE = 1 / 20
MEDIANS_S = {
    "ScriptProducer": 50.0,
    "TextToImagePromptProducer": 5.0,
    "TextToMusicPromptProducer": 5.0,
    "AudioProducer": 10.0,
    "MusicProducer": 10.0,
    "TextToImageProducer": 30.0,
}
SEGMENTS, IMAGES, IMAGE_POOL = 6, 3, 8
IDLE_S = 3.0
POLL_S = 0.05
JOBS_PER_MOVIE = 1 + 1 + 1 + SEGMENTS * 2 + SEGMENTS * IMAGES  # dispatched (timeline is local)


def lower_bound_s(movies: int, scale: float) -> float:
    image_s = MEDIANS_S["TextToImageProducer"] * scale
    head = (MEDIANS_S["ScriptProducer"] + MEDIANS_S["TextToImagePromptProducer"]) * scale
    return head + movies * SEGMENTS * IMAGES * image_s / IMAGE_POOL


def database_writes(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        ).fetchone()
    return int(row[0]) if row else 0


def statements(url: str, reset: bool = False) -> int:
    """Statements the database ran for ``url``'s database since the last reset
    (pg_stat_statements, which the bench's PostgreSQL preloads)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            """SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
               WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        ).fetchone()
        if reset:
            conn.execute("SELECT pg_stat_statements_reset()")
    return int(row[0]) if row else 0


def top_statements(url: str, count: int = 8) -> list[tuple[int, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            """SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110)
               FROM pg_stat_statements
               WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               ORDER BY calls DESC LIMIT %s""",
            (count,),
        ).fetchall()
    return [(int(calls), str(query)) for calls, query in rows]


def image_pool(url: str, submitted_ms: float) -> dict[str, float]:
    """Where the image pool's time went, from ``dbos.workflow_status``: how long a call held its
    slot on average, the share of the pool's slots busy between its first start and its last
    end, and when the first image started after submission."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """SELECT started_at_epoch_ms, updated_at FROM dbos.workflow_status
               WHERE queue_name = 'moviebuild-pool-fake:image' AND status = 'SUCCESS'"""
        ).fetchall()
    if not rows:
        return {}
    held = [(end - start) / 1000 for start, end in rows]
    span = (max(end for _, end in rows) - min(start for start, _ in rows)) / 1000
    return {
        "image_slot_held_s": round(sum(held) / len(held), 3),
        "image_pool_busy": round(sum(held) / (IMAGE_POOL * span), 3),
        "first_image_after_s": round((min(start for start, _ in rows) - submitted_ms) / 1000, 2),
    }


def database_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT schemaname, relname FROM pg_stat_user_tables"
        ).fetchall()
        total = 0
        for schema, table in tables:
            row = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
            total += int(row[0]) if row else 0
        return total


class ConnectionCount:
    """The most connections to one database at once, sampled every 0.1 s from its server."""

    def __init__(self, server_url: str, database: str) -> None:
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(server_url, database))
        self._thread.start()

    def _sample(self, server_url: str, database: str) -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            while not self._done.wait(0.1):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def paced(url: str, interval_s: float, timeout_s: float = 60.0) -> None:
    """Wait until the image pool's queue is polled every ``interval_s`` (the workers write
    --poll x the live workers once they all count each other)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT polling_interval_sec FROM dbos.queues "
                "WHERE name = 'moviebuild-pool-fake:image'"
            ).fetchone()
        if row is not None and abs(float(row[0]) - interval_s) < 1e-9:
            return
        time.sleep(0.2)
    raise SystemExit(f"the workers did not set the pool's polling interval to {interval_s} s")


def wait_all(backend: ClusterBackend, ids: list[str], timeout_s: float) -> list[dict[str, Any]]:
    """The answers of builds ``ids``, asked for in one query every 0.1 s (a wait per build
    would load the database with the bench's own polling)."""
    answers: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_s
    while len(answers) < len(ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"builds did not finish in {timeout_s:.0f} s")
        time.sleep(0.1)
        for found in backend.client.list_workflows(
            workflow_ids=[b for b in ids if b not in answers], status=FINISHED, load_input=False
        ):
            output = found.output
            answers[found.workflow_id] = output if isinstance(output, dict) else {
                "status": found.status.lower(), "error": str(found.error)
            }
    return [answers[b] for b in ids]


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    server: str, movies: int, workers: int, work: Path, scale: float, poll_s: float = POLL_S
) -> dict[str, float]:
    database = create_database(server)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    # The pool's limit is the operator's (the Moviefiles ask the same for their own builds).
    set_limit(database, "fake:image", IMAGE_POOL)
    root = work / f"movies-{workers}"
    shutil.rmtree(root, ignore_errors=True)
    for number in range(movies):
        write_movie(root / f"m{number}", number, duration=SEGMENTS * 10,
                    images_per_segment=IMAGES, providers=FAKE,
                    limits={"fake:image": {"concurrent": IMAGE_POOL}})
    config = work / "fake.json"
    config.write_text(json.dumps({"latency_s": {k: v * scale for k, v in MEDIANS_S.items()}}))
    env = {"MOVIEBUILD_FAKE_CONFIG": str(config)}
    processes = [WorkerProcess(database, root, env, work, heartbeat_s=2.0, dead_after_s=15.0,
                               poll_s=poll_s) for _ in range(workers)]
    backend = ClusterBackend(ClusterSettings(database, poll_interval_s=poll_s, db_connections=1))
    connections = ConnectionCount(server, database.rsplit("/", 1)[1])
    per_worker: ConnectionPeaks | None = None
    try:
        while len([w for w in backend.workers() if w.state == "running"]) < workers:
            time.sleep(0.1)
        # Every worker's queue threads started, and the queues' interval is the fleet's.
        paced(database, poll_s * workers)
        time.sleep(1.0)
        # What idle workers cost the database: statements a second, every worker together.
        statements(database, reset=True)
        idle_started = time.monotonic()
        time.sleep(IDLE_S)
        idle = statements(database, reset=True) / (time.monotonic() - idle_started)
        cpu_before = sum(cpu_s(p.process.pid) for p in processes)
        writes_before, rows_before = database_writes(database), database_rows(database)
        statements(database, reset=True)
        # While the builds run (a worker's start opens and closes a few more).
        per_worker = ConnectionPeaks([p.process.pid for p in processes], database_port(database))
        started = time.monotonic()
        submitted_ms = time.time() * 1000
        ids = [f"bench-{workers}-{n}" for n in range(movies)]
        for number, build_id in enumerate(ids):
            backend.start(build_id, BuildTicket(f"m{number}"))

        summaries = wait_all(backend, ids, timeout_s=600)
        statuses = [str(outcome(s)) for s in summaries]
        makespan = time.monotonic() - started
        cpu = sum(cpu_s(p.process.pid) for p in processes) - cpu_before
        busy = statements(database)
        top = top_statements(database)
        writes = database_writes(database) - writes_before
        rows = database_rows(database) - rows_before
        pool = image_pool(database, submitted_ms)
    finally:
        peak = connections.stop()
        worker_peaks = per_worker.stop() if per_worker is not None else {0: 0}
        for process in processes:
            process.stop()
        backend.close()
    if statuses != ["complete"] * movies:
        failed = [s.get("failed") or s.get("error") for s in summaries
                  if outcome(s) != "complete"]
        raise SystemExit(f"builds did not complete: {failed}")
    jobs = movies * JOBS_PER_MOVIE
    bound = lower_bound_s(movies, scale)
    for calls, query in top:
        print(f"  {calls:7d}  {query}", file=sys.stderr)
    return {
        "scale": scale,
        "workers": workers,
        "poll_s": poll_s,
        "makespan_s": round(makespan, 2),
        "lower_bound_s": round(bound, 2),
        "ratio": round(makespan / bound, 3),
        "db_rows_per_job": round(rows / jobs, 1),
        "db_writes_per_job": round(writes / jobs, 1),
        "db_statements_per_job": round(busy / jobs, 1),
        "db_statements_per_s_idle": round(idle, 1),
        "worker_cpu_ms_per_job": round(1000 * cpu / jobs, 1),
        **pool,
        # The bench's own client holds 1 of them.
        "db_connections_peak": peak,
        # The most one worker held at once (its sockets to PostgreSQL, counted from outside).
        "db_connections_per_worker": max(worker_peaks.values()),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=24)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--scale", type=float, default=SCALE,
                        help="latency = the design's median x this (default 1/100)")
    parser.add_argument("--poll", type=float, default=POLL_S,
                        help=f"the workers' --poll (default {POLL_S} s; theirs is 0.5 s)")
    parser.add_argument("--keep", type=Path, help="keep movies and worker logs in this folder")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    preload = ("shared_preload_libraries=pg_stat_statements",)
    with tempfile.TemporaryDirectory() as folder, throwaway_postgres(settings=preload) as server:
        work = args.keep or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        for workers in counts:
            result = run(server, args.movies, workers, work, args.scale, args.poll)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
