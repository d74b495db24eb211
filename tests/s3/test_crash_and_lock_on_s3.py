"""Real ``moviebuild`` processes on a movie kept on a real S3-protocol server: SIGKILLed at five
moments, each next build goes ahead without anyone deleting anything, repays no finished call,
and every object hashes to its name; two builds started together, one builds and the other is
refused naming the holder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xxhash

from moviebuild.store import open_existing_store, open_store
from tests.s3.conftest import S3Movie, S3MovieFactory

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
LATENCY_S = {
    "ScriptProducer": 0.2,
    "TextToImagePromptProducer": 0.1,
    "AudioProducer": 0.2,
    "TextToImageProducer": 0.2,
    "MusicProducer": 0.3,
    "TextToMusicPromptProducer": 0.1,
}
LIMITS = {"fake": {"concurrent": 3}}
#: Kill once this many distinct provider calls were made over all runs: while starting (taking
#: the lock), mid-script, in the fan-out, late in the fan-out, and once all 27 calls are made
#: (assembling, writing the revision and out/).
KILL_AFTER_CALLS = [0, 1, 8, 18, 27]


def start(
    movie: S3Movie, log: Path, latency_s: dict[str, float] = LATENCY_S
) -> subprocess.Popen[bytes]:
    config = log.with_suffix(".json")
    config.write_text(json.dumps({"latency_s": latency_s, "call_log": str(log)}))
    env = {**os.environ, **movie.env, "MOVIEBUILD_FAKE_CONFIG": str(config)}
    return subprocess.Popen(
        [sys.executable, "-m", "moviebuild", "-C", str(movie.folder), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def finished_jobs(movie: S3Movie) -> set[str]:
    store = open_existing_store(movie.url)
    if store is None:
        return set()  # killed before the store was made
    return {
        record["job"]
        for rev in store.list_journals()
        for record in store.read_journal(rev)
        if record.get("event") == "end" and record.get("status") == "done"
    }


def assert_every_object_hashes_to_its_name(movie: S3Movie) -> None:
    client = movie.server.client()
    for key in movie.object_keys():
        if "/objects/" in key:
            data = client.get_object(Bucket=movie.bucket, Key=key)["Body"].read()
            assert key.rsplit("/", 1)[1].split(".")[0] == xxhash.xxh3_128_hexdigest(data), key


@pytest.mark.slow
def test_sigkill_at_five_moments_each_next_build_goes_on_and_repays_nothing(
    s3_movie: S3MovieFactory, tmp_path: Path
) -> None:
    movie = s3_movie(duration=60, images_per_segment=2, providers=ALL_FAKE, limits=LIMITS)
    finished: set[str] = set()
    made: set[str] = set()
    killed = 0
    for number, threshold in enumerate(KILL_AFTER_CALLS):
        log = tmp_path / f"calls-{number}.log"
        process = start(movie, log)
        deadline = time.monotonic() + 30
        time.sleep(0.5 if threshold == 0 else 0)
        while len(made | set(calls(log))) < threshold and process.poll() is None:
            assert time.monotonic() < deadline, "the build made no progress"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode in (-signal.SIGKILL, 0), stderr.decode()
        killed += process.returncode == -signal.SIGKILL
        made |= set(calls(log))
        repaid = finished & set(calls(log))
        assert not repaid, f"finished jobs called again: {sorted(repaid)}"
        finished = finished_jobs(movie)
        assert_every_object_hashes_to_its_name(movie)

    assert killed >= 4, "the kills should land while the builds run"

    last = tmp_path / "calls-last.log"
    process = start(movie, last)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert not finished & set(calls(last))
    assert len(calls(last)) == len(set(calls(last)))
    store = open_store(movie.url, create=False)
    head = store.read_head()
    assert head is not None
    statuses = {entry["status"] for entry in store.read_manifest(head)["jobs"].values()}
    assert statuses == {"done"}
    assert_every_object_hashes_to_its_name(movie)


@pytest.mark.slow
def test_two_builds_started_together_one_builds_the_other_is_refused_naming_it(
    s3_movie: S3MovieFactory, tmp_path: Path
) -> None:
    movie = s3_movie(duration=30, images_per_segment=1, providers=ALL_FAKE, limits=LIMITS)
    # The script takes 3 s, so the first to take the lock still holds it when the other tries.
    slow = {**LATENCY_S, "ScriptProducer": 3.0}
    first = start(movie, tmp_path / "first.log", slow)
    second = start(movie, tmp_path / "second.log", slow)
    results = [(p.pid, *p.communicate(timeout=60), p.returncode) for p in (first, second)]
    codes = sorted(code for *_, code in results)
    assert codes == [0, 3], results
    winner = next(pid for pid, _, _, code in results if code == 0)
    refused = next(err.decode() for _, _, err, code in results if code == 3)
    assert f"process {winner} has been building this movie" in refused
