"""A store that stops answering stops the build: every S3 request ends by its deadline (a PUT
sent with ``Expect: 100-continue`` to a server that takes it and never answers included), the
first store failure stops every new call and every further write, and a build answers SIGTERM
within its grace whatever the store is doing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from moviebuild.errors import StoreError
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.s3server import S3Proxy
from tests.conftest import run_build
from tests.s3.conftest import S3MovieFactory
from tests.s3.test_outages import QUICK, clean_env

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}


def test_the_first_store_failure_stops_new_calls_and_further_writes_and_is_named(
    s3_movie: S3MovieFactory, proxy: S3Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in QUICK.items():
        monkeypatch.setenv(key, value)
    movie = s3_movie(
        duration=60, images_per_segment=3, endpoint=proxy.endpoint, providers=ALL_FAKE,
        limits={"fake": {"concurrent": 4}},
    )
    proxy.hang_puts_to = ".png"  # the store stops answering when the first picture is written
    fake = FakeAdapter(clock=ManualClock())
    with pytest.raises(StoreError) as failure:
        run_build(movie.folder, fake)
    assert "could not write blob" in failure.value.message
    assert "timed out" in failure.value.message
    written = {line.split()[1] for line in proxy.silenced}
    assert len(written) == 1, f"writes after the first failure: {sorted(written)}"
    images = fake.calls_by_producer()["TextToImageProducer"]
    assert images <= 4, f"{images} image calls: new calls started after the store failed"


@contextmanager
def started_build(folder: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """``moviebuild`` in its own process, killed if it is still running when the test ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "moviebuild", "-C", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def wait_for_a_silent_put(proxy: S3Proxy, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not proxy.silenced:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never reached the silent PUT"
        time.sleep(0.05)


@pytest.mark.slow
def test_silent_puts_end_the_build_after_one_blob_s_timeouts_with_one_clear_line(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie(
        duration=60, images_per_segment=3, providers=ALL_FAKE, limits={"fake": {"concurrent": 4}}
    )
    proxy.hang_puts_to = ".png"
    env = {**clean_env(movie, AWS_ENDPOINT_URL=proxy.endpoint), **QUICK}
    with started_build(movie.folder, env) as process:
        _out, err = process.communicate(timeout=90)  # hung: the test fails instead of waiting
    assert process.returncode == 3, err.decode()
    silenced = {line.split()[1] for line in proxy.silenced}
    assert len(silenced) == 1, f"each in-flight job waited out its own write: {silenced}"
    lines = err.decode().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and "could not write blob" in errors[0], lines
    assert "timed out" in errors[0] and "internal error" not in err.decode(), lines


@pytest.mark.slow
def test_sigterm_during_a_silent_put_is_answered_within_the_grace(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie(duration=30, images_per_segment=1)
    proxy.hang_puts_to = "/objects/"
    env = clean_env(
        movie,
        AWS_ENDPOINT_URL=proxy.endpoint,
        # Timeouts far longer than the test waits: only the grace can end the build in time.
        MOVIEBUILD_STORE_CONNECT_TIMEOUT_S="300",
        MOVIEBUILD_STORE_READ_TIMEOUT_S="300",
        MOVIEBUILD_STOP_GRACE_S="2",
    )
    with started_build(movie.folder, env) as process:
        wait_for_a_silent_put(proxy, process)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert "did not stop within 2 s" in err.decode(), err.decode()
    assert "Traceback" not in err.decode()
    assert os.path.isdir(movie.folder)
