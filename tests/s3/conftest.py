"""Movies whose store is on a real S3-protocol server started here on 127.0.0.1 (moto, in
process, authentication on), for the whole-movie, crash, lock and outage tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from moviebuild.testing.s3server import S3Proxy, S3Server
from tests.conftest import FAKE_MEDIA, write_moviefile


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@dataclass
class S3Movie:
    """A movie folder whose Moviefile keeps its store at ``url`` on the test server."""

    folder: Path
    bucket: str
    url: str
    server: S3Server
    env: dict[str, str]

    def object_keys(self) -> list[str]:
        listing = self.server.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


S3MovieFactory = Callable[..., S3Movie]


@pytest.fixture
def s3_movie(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> S3MovieFactory:
    """Make a bucket and a movie folder whose store is in it; the environment points at the
    server (or at ``endpoint``, e.g. a proxy in front of it)."""

    def make(endpoint: str | None = None, **fields: Any) -> S3Movie:
        bucket = f"m-{uuid.uuid4().hex[:12]}"
        s3_server.create_bucket(bucket)
        env = s3_server.env(endpoint)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        url = f"s3://{bucket}/movies/civil-war"
        fields.setdefault("providers", FAKE_MEDIA)
        write_moviefile(tmp_path / bucket, store=url, **fields)
        return S3Movie(tmp_path / bucket, bucket, url, s3_server, env)

    return make


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[S3Proxy]:
    with S3Proxy(s3_server.endpoint) as started:
        yield started
