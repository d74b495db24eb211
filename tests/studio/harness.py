"""A real HTTP server for the studio tests: on 127.0.0.1 in a background thread, building with the
offline providers (real images, speech and music, so the Player plays them) except that text and
image calls go through ``GatedOffline``, which a test can make refuse (HTTP 400) or hold."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from moviebuild.providers.offline.adapter import OfflineAdapter
from moviebuild.providers.requests import CallContext, ImageRequest, TextRequest
from moviebuild.server.app import Server, make_app, make_server
from moviebuild.server.root import LocalRoot
from moviebuild.testing.fake import http_error

#: Text and images through the gated adapter (registered under the name "fake"), the rest
#: offline. Small movies: 20 s (two segments), one image per segment, 480p.
GATED = {"text": {"adapter": "fake"}, "image": {"adapter": "fake"}}


def small_moviefile(inquiry: str) -> dict[str, Any]:
    return {
        "inquiry": inquiry, "duration": 20, "images_per_segment": 1, "size": "480p",
        "providers": GATED,
    }


class GatedOffline(OfflineAdapter):
    """The offline adapter with two switches a test flips from its own thread: ``refuse`` (job
    ids answered with a provider's HTTP 400) and ``hold`` (job ids that wait until released)."""

    name = "fake"

    def __init__(self) -> None:
        self.refuse: set[str] = set()
        self.hold: set[str] = set()
        self.release = threading.Event()
        self.held = threading.Event()
        self.calls: list[str] = []

    async def _gate(self, context: CallContext) -> None:
        self.calls.append(context.job_id)
        if context.job_id in self.hold:
            self.held.set()
            await asyncio.to_thread(self.release.wait, 60)
        if context.job_id in self.refuse:
            raise http_error(
                context.job_id, 400, "content policy: this prompt cannot be drawn", None, "fake"
            )

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        await self._gate(context)
        return await super().generate_json(request, context)

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        await self._gate(context)
        return await super().generate_image(request, context)


@dataclass
class Api:
    """The HTTP API as one tenant, for what a test checks behind the page's back."""

    base_url: str
    token: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def events(self, movie: str, after: int = 0) -> list[dict[str, Any]]:
        """Every event after ``after`` that the server has now (read up to the first
        keep-alive, which the server sends once it has nothing more)."""
        request = urllib.request.Request(f"{self.base_url}/v1/movies/{movie}/events")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Last-Event-ID", str(after))
        found = []
        with urllib.request.urlopen(request, timeout=60) as response:
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith(": keepalive"):
                    break
                if line.startswith("data: "):
                    found.append(json.loads(line[6:]))
        return found


@dataclass
class Running:
    server: Server
    base_url: str
    adapter: GatedOffline
    api: Api


@contextmanager
def running_server(root: Path) -> Iterator[Running]:
    """Serve ``root`` on a free port of 127.0.0.1 until the block ends, with one tenant's token."""
    adapter = GatedOffline()
    server = make_server(LocalRoot(root), build_options={"adapters": {"fake": adapter}})
    _, token = server.tokens.create("acme")
    started = threading.Event()
    address: list[str] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        runner = web.AppRunner(make_app(server), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        address.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        server.signer.base_url = address[0]
        started.set()
        await stop.wait()
        server.accepting = False
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10), "the server did not start"
    try:
        yield Running(server, address[0], adapter, Api(address[0], token))
    finally:
        adapter.release.set()
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
