"""A real ``moviebuild`` process with the fake adapter, SIGKILLed after a chosen number of
finished calls and rerun: no finished job is called again and the final revision equals an
uninterrupted build's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import write_moviefile

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
LATENCY_S = {
    "ScriptProducer": 0.2,
    "TextToImagePromptProducer": 0.1,
    "AudioProducer": 0.2,
    "TextToImageProducer": 0.3,
    "MusicProducer": 0.4,
    "TextToMusicPromptProducer": 0.1,
}
LIMITS = {"fake": {"concurrent": 3}}


def _run(folder: Path, log: Path, *, kill_after: int | None) -> int:
    """Run a build; with ``kill_after``, SIGKILL it once that many more jobs have finished."""
    config = folder.parent / f"{log.name}.json"
    config.write_text(json.dumps({"latency_s": LATENCY_S, "call_log": str(log)}))
    env = {**os.environ, "MOVIEBUILD_FAKE_CONFIG": str(config)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moviebuild", "-C", str(folder), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_after is None:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        return 0
    store = folder / ".moviebuild"
    target = len(_finished_jobs(store)) + kill_after
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if len(_finished_jobs(store)) >= target:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return process.returncode


def _finished_jobs(store: Path) -> set[str]:
    done = set()
    for journal in (store / "journal").glob("*.jsonl"):
        for line in journal.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if record.get("event") == "end" and record.get("status") == "done":
                done.add(record["job"])
    return done


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _final(folder: Path) -> dict[str, Any]:
    store = folder / ".moviebuild"
    head = int((store / "HEAD").read_text())
    jobs = json.loads((store / "revisions" / f"{head}.json").read_text())["jobs"]
    return {job: (entry["key"], entry["outputs"], entry["status"]) for job, entry in jobs.items()}


def test_sigkill_after_some_finished_calls_loses_only_calls_in_flight(tmp_path: Path) -> None:
    folder = tmp_path / "killed"
    write_moviefile(folder, duration=60, images_per_segment=3, providers=ALL_FAKE, limits=LIMITS)
    finished_before: set[str] = set()
    interrupted = 0
    for attempt, kill_after in enumerate((2, 5, 9, 4)):
        log = tmp_path / f"calls-{attempt}.log"
        code = _run(folder, log, kill_after=kill_after)
        repeated = finished_before & set(_calls(log))
        assert not repeated, f"finished jobs called again: {sorted(repeated)}"
        finished_before = _finished_jobs(folder / ".moviebuild")
        interrupted += code == -signal.SIGKILL and bool(_calls(log))
    assert interrupted == 4, "every kill lands while the build runs"
    last = tmp_path / "calls-final.log"
    _run(folder, last, kill_after=None)
    assert not finished_before & set(_calls(last))
    assert len(_calls(last)) == len(set(_calls(last)))

    clean = tmp_path / "clean"
    write_moviefile(clean, duration=60, images_per_segment=3, providers=ALL_FAKE, limits=LIMITS)
    _run(clean, tmp_path / "calls-clean.log", kill_after=None)
    assert _final(folder) == _final(clean)
    temp_leftovers = [
        p for p in (folder / ".moviebuild" / "objects").rglob("*") if ".tmp" in p.name
    ]
    for leftover in temp_leftovers:
        assert leftover.name.startswith(".tmp-")


def test_ctrl_c_stops_new_calls_keeps_finished_work_and_exits_130(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=60, images_per_segment=3, providers=ALL_FAKE, limits=LIMITS)
    log = tmp_path / "calls.log"
    config = tmp_path / "fake.json"
    config.write_text(json.dumps({"latency_s": LATENCY_S, "call_log": str(log)}))
    env = {**os.environ, "MOVIEBUILD_FAKE_CONFIG": str(config)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moviebuild", "-C", str(folder), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while len(_calls(log)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 130
    summary = json.loads(stdout)
    finished = sum(summary["ran"].values())
    assert finished >= 1
    manifest = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    assert manifest["interrupted"] is True
    _run(folder, tmp_path / "calls-after.log", kill_after=None)
    done_before = {job for job, entry in manifest["jobs"].items() if entry["status"] == "done"}
    assert not done_before & set(_calls(tmp_path / "calls-after.log"))
