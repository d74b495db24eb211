"""SIGKILL a real ``moviebuild serve`` during a build and start it again: the build completes, no
finished call is repeated, and an SSE client reconnecting with ``Last-Event-ID`` receives every
event it missed exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from tests.project.test_crash import _finished_jobs
from tests.server.harness import Http

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
LATENCY_S = {"AudioProducer": 0.15, "TextToImageProducer": 0.2, "MusicProducer": 0.3}
MOVIE = {"moviefile": {"inquiry": "Tell me about the Civil War", "duration": 60,
                       "images_per_segment": 2, "providers": ALL_FAKE,
                       "limits": {"fake": {"concurrent": 2}}}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(root: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    config = root.parent / f"{log.name}.json"
    config.write_text(json.dumps({"latency_s": LATENCY_S, "call_log": str(log)}))
    env = {**os.environ, "MOVIEBUILD_FAKE_CONFIG": str(config)}
    with (root.parent / f"{log.name}.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "moviebuild", "serve", "--root", str(root),
             "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=stderr,
        )
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    assert "serving" in line, (root.parent / f"{log.name}.stderr").read_text()
    return process


def _stop(process: subprocess.Popen[bytes], signum: int) -> int:
    if process.poll() is None:
        process.send_signal(signum)
    code = process.wait(30)
    assert process.stdout is not None
    process.stdout.close()
    return code


def _events(base_url: str, token: str, movie_id: str, after: int) -> Iterator[dict[str, Any]]:
    request = urllib.request.Request(
        f"{base_url}/v1/movies/{movie_id}/events?until=build-finished",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": str(after)},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                yield json.loads(line[len("data: "):])


def _fresh_root(tmp_path: Path) -> tuple[Path, str, int, str]:
    """A root with a token for tenant acme, a free port and its URL."""
    root = tmp_path / "root"
    _, token = TokenBook(LocalRoot(root)).create("acme")
    port = _free_port()
    return root, token, port, f"http://127.0.0.1:{port}"


def test_a_killed_server_resumes_the_build_and_replays_missed_events_once(
    tmp_path: Path,
) -> None:
    root, token, port, base_url = _fresh_root(tmp_path)
    first_log, second_log = tmp_path / "calls-1.log", tmp_path / "calls-2.log"
    server = _start(root, port, first_log)
    try:
        answer = Http(base_url, token).post("/v1/movies", MOVIE)
        assert answer.status == 201, answer.body
        movie_id = answer.json()["id"]
        seen: list[dict[str, Any]] = []
        for event in _events(base_url, token, movie_id, 0):
            seen.append(event)
            if sum(e["type"] == "job-finished" for e in seen) >= 8:
                break
    finally:
        _stop(server, signal.SIGKILL)
    store = root / "tenants" / "acme" / "movies" / movie_id / ".moviebuild"
    finished_before = _finished_jobs(store)
    assert finished_before, "the kill should land after some calls finished"
    assert not (store / "HEAD").exists(), "the kill should land before the build finished"

    server = _start(root, port, second_log)
    try:
        last = seen[-1]["id"]
        rest = list(_events(base_url, token, movie_id, last))
        assert [e["id"] for e in rest] == list(range(last + 1, last + 1 + len(rest)))
        assert rest[-1]["type"] == "build-finished" and rest[-1]["status"] == "complete"
        everything = seen + rest
        assert len({e["id"] for e in everything}) == len(everything)
        repeated = finished_before & set(second_log.read_text().splitlines())
        assert not repeated, f"finished calls repeated: {sorted(repeated)}"
        state = Http(base_url, token).get(f"/v1/movies/{movie_id}").json()
        assert state["status"] == "complete" and state["up_to_date"]
        build = Http(base_url, token).get(f"/v1/movies/{movie_id}/builds/b1").json()
        assert build["status"] == "complete"
    finally:
        assert _stop(server, signal.SIGTERM) == 0


def test_sigterm_lets_calls_in_flight_finish_and_the_next_start_resumes(tmp_path: Path) -> None:
    root, token, port, base_url = _fresh_root(tmp_path)
    first_log, second_log = tmp_path / "calls-1.log", tmp_path / "calls-2.log"
    server = _start(root, port, first_log)
    try:
        movie_id = Http(base_url, token).post("/v1/movies", MOVIE).json()["id"]
        finished = 0
        for event in _events(base_url, token, movie_id, 0):
            finished += event["type"] == "job-finished"
            if finished >= 6:
                break
    finally:
        assert _stop(server, signal.SIGTERM) == 0
    build = json.loads(
        (root / "tenants/acme/records" / movie_id / "builds/b1.json").read_text()
    )
    assert build["status"] == "interrupted"
    store = root / "tenants" / "acme" / "movies" / movie_id / ".moviebuild"
    started = first_log.read_text().splitlines()
    finished_before = _finished_jobs(store)
    assert set(started) == finished_before, "every call in flight finished before the exit"

    server = _start(root, port, second_log)
    try:
        before = list(_events(base_url, token, movie_id, 0))
        assert before[-1]["status"] == "interrupted"
        rest = list(_events(base_url, token, movie_id, before[-1]["id"]))
        assert rest[0]["type"] == "build-started" and rest[0]["build"] == "b1"
        assert rest[-1]["type"] == "build-finished" and rest[-1]["status"] == "complete"
        assert not finished_before & set(second_log.read_text().splitlines())
    finally:
        assert _stop(server, signal.SIGTERM) == 0
