"""A real server on 127.0.0.1 in a background thread (its own event loop), with the fake adapter
on a manual clock, and a small synchronous HTTP client for the tests."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from moviebuild.server.app import Server, make_app, make_server
from moviebuild.server.root import LocalRoot, MovieRoot
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter

FAKE_MEDIA = {role: {"adapter": "fake"} for role in ("speech", "music", "image", "video")}


def moviefile(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "inquiry": "Tell me about the Civil War", "duration": 30, "images_per_segment": 1,
        "providers": FAKE_MEDIA,
    }
    data.update(fields)
    return data


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def events(self) -> list[dict[str, Any]]:
        """The ``data`` of each Server-Sent Event, with its ``id`` line checked."""
        found = []
        for block in self.body.decode().split("\n\n"):
            lines = dict(
                line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
            )
            if "data" in lines:
                data = json.loads(lines["data"])
                assert int(lines["id"]) == data["id"]
                found.append(data)
        return found


@dataclass
class Http:
    """Requests to the server as one tenant (``token``); every call returns an ``Answer``."""

    base_url: str
    token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
        headers: dict[str, str] | None = None, timeout_s: float = 30,
    ) -> Answer:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in {**self.extra_headers, **(headers or {})}.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def get(self, path: str, **options: Any) -> Answer:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Answer:
        return self.call("POST", path, body if body is not None else {}, **options)

    def delete(self, path: str) -> Answer:
        return self.call("DELETE", path)

    def wait_for_build(self, movie_id: str, after: int = 0) -> list[dict[str, Any]]:
        """The events after ``after`` up to the next build-finished."""
        answer = self.get(
            f"/v1/movies/{movie_id}/events?until=build-finished",
            headers={"Last-Event-ID": str(after)},
        )
        assert answer.status == 200, answer.body
        return answer.events()


@dataclass
class Running:
    server: Server
    base_url: str
    fake: FakeAdapter

    def as_tenant(self, tenant: str) -> Http:
        _, token = self.server.tokens.create(tenant)
        return Http(self.base_url, token)


@contextmanager
def running_server(
    root: Path | MovieRoot, fake: FakeAdapter | None = None, **options: Any
) -> Iterator[Running]:
    """Serve ``root`` (a folder, or any root) on a free port of 127.0.0.1 until the block ends."""
    fake = fake or FakeAdapter(clock=ManualClock())
    server = make_server(
        LocalRoot(root) if isinstance(root, Path) else root,
        build_options={"adapters": {"fake": fake}, "clock": fake.clock},
        **options,
    )
    started = threading.Event()
    address: list[str] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        runner = web.AppRunner(make_app(server))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        address.append(f"http://127.0.0.1:{port}")
        server.signer.base_url = address[0]
        started.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10), "the server did not start"
    try:
        yield Running(server, address[0], fake)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
