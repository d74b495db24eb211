"""A store that cannot be reached, refuses us or never answers gives one clear line and exit 3,
within the stated timeouts: never an internal error, never a hang."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from moviebuild.testing.s3server import S3Proxy
from tests.s3.conftest import S3Movie, S3MovieFactory

#: Short transport settings so that a silent server costs seconds (the defaults: 5 s, 20 s, 3).
QUICK = {
    "MOVIEBUILD_STORE_CONNECT_TIMEOUT_S": "1",
    "MOVIEBUILD_STORE_READ_TIMEOUT_S": "1",
    "MOVIEBUILD_STORE_ATTEMPTS": "2",
}


def run_moviebuild(movie: S3Movie, env: dict[str, str]) -> tuple[int, list[str]]:
    """``moviebuild`` in its own process; a run past 60 s fails the test instead of hanging it."""
    process = subprocess.run(
        [sys.executable, "-m", "moviebuild", "-C", str(movie.folder)],
        env={**env, **QUICK},
        capture_output=True,
        timeout=60,
        check=False,
    )
    return process.returncode, process.stderr.decode().splitlines()


def clean_env(movie: S3Movie, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(movie.env)
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_CONFIG_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def assert_one_clear_error(code: int, lines: list[str], words: str) -> None:
    assert code == 3, lines
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0], lines
    assert not any("internal error" in line or "Traceback" in line for line in lines), lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_endpoint_is_one_line_and_exit_3(s3_movie: S3MovieFactory) -> None:
    movie = s3_movie()
    env = clean_env(movie, AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    assert_one_clear_error(*run_moviebuild(movie, env), "the endpoint is unreachable")


def test_missing_credentials_are_one_line_and_exit_3(s3_movie: S3MovieFactory) -> None:
    movie = s3_movie()
    env = clean_env(movie, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    assert_one_clear_error(*run_moviebuild(movie, env), "no credentials")


def test_a_wrong_secret_is_access_denied_and_exit_3(s3_movie: S3MovieFactory) -> None:
    movie = s3_movie()
    env = clean_env(movie, AWS_SECRET_ACCESS_KEY="not-the-secret")
    assert_one_clear_error(*run_moviebuild(movie, env), "access denied")


def test_a_missing_bucket_says_so_and_exits_3(s3_movie: S3MovieFactory) -> None:
    movie = s3_movie()
    movie.server.client().delete_bucket(Bucket=movie.bucket)
    assert_one_clear_error(*run_moviebuild(movie, clean_env(movie)), "bucket does not exist")


@pytest.mark.slow
def test_a_server_that_never_answers_times_out_with_one_line_and_exit_3(
    s3_movie: S3MovieFactory, proxy: S3Proxy
) -> None:
    movie = s3_movie()
    proxy.hang.set()
    env = clean_env(movie, AWS_ENDPOINT_URL=proxy.endpoint)
    assert_one_clear_error(*run_moviebuild(movie, env), "timed out")
