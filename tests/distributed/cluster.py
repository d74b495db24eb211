"""Test and benchmark helpers for a cluster: a fresh database per test on the throwaway
PostgreSQL, ``moviebuild worker`` subprocesses, movies, and a Replicate emulator that records
the calls in flight and the requests per minute it sees."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

import psycopg
import yaml
from aiohttp import web

from moviebuild.testing.emulators import ReplicateEmulator
from moviebuild.testing.emulators.replicate import Prediction

FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}


def create_database(server_url: str) -> str:
    """A new empty database on the cluster at ``server_url``; its URL."""
    name = f"mb_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def set_limit(database_url: str, pool: str, concurrent: int, per_minute: int | None = None) -> None:
    """The operator's limit of ``pool`` (what ``moviebuild limits set`` writes)."""
    from moviebuild.distributed.limits import LimitsTable

    with LimitsTable(database_url) as table:
        table.set(pool, concurrent, per_minute)


def outcome(answer: dict[str, Any] | None) -> str | None:
    """How a build the workers answered ended: its report's ``outcome`` (complete, incomplete,
    interrupted), or ``failed`` / ``cancelled`` when it gave no report."""
    if not answer:
        return None
    return str(answer.get("outcome") or answer.get("status"))


def write_movie(folder: Path, number: int, **fields: Any) -> Path:
    data: dict[str, Any] = {
        "inquiry": f"Tell me about lighthouse number {number}",
        "duration": 20,
        "images_per_segment": 2,
        "providers": FAKE,
    }
    data.update(fields)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Moviefile.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


class WorkerProcess:
    """One ``moviebuild worker`` subprocess; its log is kept for failure messages."""

    def __init__(
        self,
        database_url: str,
        root: Path | str,
        env: dict[str, str],
        log_folder: Path,
        *,
        executor_id: str = "",
        heartbeat_s: float = 0.5,
        dead_after_s: float = 10.0,
        grace_s: float = 5.0,
        poll_s: float = 0.05,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.executor_id = executor_id or f"w-{uuid.uuid4().hex[:8]}"
        self.log = log_folder / f"{self.executor_id}.log"
        with self.log.open("wb") as log:
            self.process = self._start(database_url, root, env, log, heartbeat_s, dead_after_s,
                                       grace_s, poll_s, extra)

    def _start(self, database_url: str, root: Path | str, env: dict[str, str], log: Any,
               heartbeat_s: float, dead_after_s: float, grace_s: float, poll_s: float,
               extra: tuple[str, ...]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "moviebuild", "worker", "--database", database_url,
             "--root", str(root), "--id", self.executor_id, "--heartbeat", str(heartbeat_s),
             "--dead-after", str(dead_after_s), "--grace", str(grace_s), "--poll", str(poll_s),
             *extra],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout_s: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def job_lines(log_text: str) -> list[str]:
    return [line for line in log_text.splitlines() if " job " in line]


class RecordingReplicate(ReplicateEmulator):
    """Replicate that records, across every client, the most predictions in flight at once
    and the most created within any 60 seconds."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.created_at: deque[float] = deque()
        self.max_per_minute = 0

    async def _create(self, request: web.Request) -> web.Response:
        response = await super()._create(request)
        if response.status == 201:
            with self._lock:
                now = time.monotonic()
                self.created_at.append(now)
                recent = [t for t in self.created_at if t > now - 60.0]
                self.max_per_minute = max(self.max_per_minute, len(recent))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return response

    def _finish(self, p: Prediction, inline: bool = False) -> None:
        super()._finish(p, inline)
        with self._lock:
            self.in_flight -= 1

    def unfinished(self) -> list[str]:
        return [p.id for p in self.predictions.values()
                if p.status not in ("succeeded", "failed", "canceled")]


def final_jobs(folder: Path) -> dict[str, Any]:
    """Each job of the movie's current revision: key, outputs, status."""
    store = folder / ".moviebuild"
    head = int((store / "HEAD").read_text())
    jobs = json.loads((store / "revisions" / f"{head}.json").read_text())["jobs"]
    return {job: (entry["key"], entry["outputs"], entry["status"]) for job, entry in jobs.items()}


def stored_jobs(client: Any, bucket: str, store: str) -> dict[str, Any]:
    """``final_jobs`` of a store on S3 (``store``: its key prefix), read with a boto3 client."""
    head = int(client.get_object(Bucket=bucket, Key=f"{store}/HEAD")["Body"].read())
    body = client.get_object(Bucket=bucket, Key=f"{store}/revisions/{head}.json")["Body"].read()
    jobs = json.loads(body)["jobs"]
    return {job: (entry["key"], entry["outputs"], entry["status"]) for job, entry in jobs.items()}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``moviebuild serve --database`` as a subprocess on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, root: Path | str, env: dict[str, str],
                 log_folder: Path, *, poll_s: float = 0.2, max_builds_per_tenant: int = 8,
                 extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log_folder / "serve.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moviebuild", "serve", "--database", database_url,
                 "--root", str(root), "--port", str(self.port), "--poll", str(poll_s),
                 "--grace", "2", "--max-builds-per-tenant", str(max_builds_per_tenant),
                 *extra],
                env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/v1/openapi.json", timeout=5):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start:\n{self.log_text()}") from None
                time.sleep(0.2)

    def stop(self, timeout_s: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
