"""The small form of ``bench/chaos.py``: four movies through serve and three workers while a
worker is paused past --dead-after, PostgreSQL restarts, a worker is SIGKILLed and the server is
SIGKILLed and started again. Every movie completes and equals a local build, no prediction is
created twice beyond what the kill cut off, the pool's limit holds, and only the SIGKILLed worker
exited. It runs on a folder every process shares and on an S3 root (moto's server) with a cache
folder per process."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from moviebuild.testing.s3server import S3Server
from tests.distributed.chaos import run
from tests.distributed.postgres import PostgresUnavailable, throwaway_cluster

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("root", ["folder", "s3"])
def test_a_fleet_rides_out_a_pause_a_database_restart_and_two_kills(
    root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with contextlib.ExitStack() as stack:
        try:
            postgres = stack.enter_context(throwaway_cluster())
        except PostgresUnavailable as exc:
            pytest.fail(f"this test needs PostgreSQL: {exc}")
        s3 = stack.enter_context(S3Server()) if root == "s3" else None
        # run() points this process at the S3 server; monkeypatch puts the environment back.
        for name, value in (s3.env() if s3 is not None else {}).items():
            monkeypatch.setenv(name, value)
        result = run(postgres, 4, tmp_path, s3)

    assert result["complete"] == result["equal_to_local_build"] == 4, result
    # Only a create the SIGKILL cut off, and that the account does not list, is paid twice;
    # at most the calls in flight on the killed worker (the limit) were.
    assert 0 <= result["predictions_created_twice"] <= result["limit"], json.dumps(result)
    assert result["max_predictions_in_flight"] <= result["limit"], result
    assert result["worker_exit_codes"] == {"w0": 0, "w1": -9, "w2": 0}, result
