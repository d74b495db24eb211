"""Store backends for the store tests: the local file system, fsspec's memory file system, and a
real S3-protocol server on 127.0.0.1 (moto, authentication on), directly and behind a proxy that
answers 412 with a bare body, as S3-compatible servers other than AWS do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from moviebuild.store import Store, open_store
from moviebuild.testing.s3server import S3Proxy, S3Server

BACKENDS = ["local", "memory", "s3", "s3-bare-412"]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@pytest.fixture(scope="session")
def bare_412_proxy(s3_server: S3Server) -> Iterator[S3Proxy]:
    with S3Proxy(s3_server.endpoint, bare_412=True) as proxy:
        yield proxy


@pytest.fixture(params=BACKENDS)
def backend_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A store location (nothing created yet) on each backend in turn."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "local":
        yield str(tmp_path / "civil-war" / ".moviebuild")
    elif request.param == "memory":
        yield f"memory://{name}/civil-war"
        fsspec.filesystem("memory").rm(f"/{name}", recursive=True)
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        endpoint = server.endpoint
        if request.param == "s3-bare-412":
            endpoint = request.getfixturevalue("bare_412_proxy").endpoint
        for key, value in server.env(endpoint).items():
            monkeypatch.setenv(key, value)
        server.create_bucket(name)
        yield f"s3://{name}/movies/civil-war"


@pytest.fixture
def s3_store(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store on the S3 server only, for what only object stores do."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    s3_server.create_bucket(name)
    with open_store(f"s3://{name}/movies/civil-war") as store:
        yield store


@pytest.fixture
def dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
