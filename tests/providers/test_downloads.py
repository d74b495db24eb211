"""Downloads and API answers that try to lead a build astray: redirects to this machine, its
network or plain http, names resolving to private addresses, bodies without end, and bodies
that drip. A small aiohttp server on 127.0.0.1 plays the hostile provider."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from moviebuild.errors import ProviderError
from moviebuild.providers.endpoints import OPENAI
from moviebuild.providers.guard import GuardedResolver, RefusedAddress, refusal_reason
from moviebuild.providers.http import ProviderSession
from moviebuild.testing.emulators.base import Emulator

from .conftest import FAKE_KEYS


class HostileServer(Emulator):
    """Redirects, endless JSON and a drip-fed file; every path is public."""

    provider = "hostile"
    key_env = "OPENAI_API_KEY"
    base_env = "OPENAI_BASE_URL"
    public_routes = frozenset({"redirect", "big", "drip", "files", "chunked"})

    def __init__(self) -> None:
        super().__init__()
        self.location = ""
        self.hits: list[str] = []

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/redirect", self._redirect, name="redirect")
        router.add_get("/big", self._big, name="big")
        router.add_get("/chunked", self._chunked, name="chunked")
        router.add_get("/drip", self._drip, name="drip")

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Any = None) -> web.Response:
        return web.json_response({"error": {"message": message}}, status=status)

    async def _redirect(self, request: web.Request) -> web.Response:
        self.hits.append("redirect")
        return web.Response(status=302, headers={"Location": self.location})

    async def _big(self, request: web.Request) -> web.Response:
        return web.Response(body=b"[" + b"0," * (5 << 20) + b"0]",
                            content_type="application/json")

    async def _chunked(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(200):
                await response.write(b"0," * (32 << 10))
        except (ConnectionError, RuntimeError):
            pass
        return response

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        self.hits.append("drip")
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        await response.prepare(request)
        try:
            for _ in range(100):
                await response.write(b"x")
                await asyncio.sleep(0.05)
        except (ConnectionError, RuntimeError):
            pass
        return response


@pytest.fixture
def hostile(provider_env: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    with HostileServer() as server:
        provider_env.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])
        provider_env.setenv("OPENAI_BASE_URL", server.url)
        provider_env.setenv("MOVIEBUILD_ALLOW_LOOPBACK_DOWNLOADS", "1")
        yield server


def _with_session(use: Callable[[ProviderSession], Any]) -> Any:
    async def run() -> Any:
        async with ProviderSession(OPENAI, "Job[1]", timeout_s=0.5) as session:
            return await use(session)

    return asyncio.run(run())


@pytest.mark.parametrize(("location", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "only https"),
    ("https://169.254.169.254/latest/meta-data/", "loopback, link-local or private"),
    ("https://10.1.2.3/a.png", "loopback, link-local or private"),
    ("http://example.com/a.png", "only https"),
    ("file:///etc/passwd", "only https"),
    ("https://localhost/a.png", "this machine"),
])
def test_every_redirect_hop_is_checked_before_it_is_followed(
        hostile: HostileServer, location: str, reason: str,
        provider_env: pytest.MonkeyPatch) -> None:
    if "localhost" in location:
        provider_env.delenv("MOVIEBUILD_ALLOW_LOOPBACK_DOWNLOADS")
        assert refusal_reason(location, allow_loopback=False) == "it points at this machine"
        return
    hostile.location = location
    with pytest.raises(ProviderError, match=reason) as caught:
        _with_session(lambda s: s.download(f"{hostile.url}/redirect", "image"))
    assert not caught.value.retryable
    assert hostile.hits == ["redirect"]


def test_this_machine_is_refused_without_the_test_setting(
        hostile: HostileServer, provider_env: pytest.MonkeyPatch) -> None:
    provider_env.delenv("MOVIEBUILD_ALLOW_LOOPBACK_DOWNLOADS")
    with pytest.raises(ProviderError, match="only https"):
        _with_session(lambda s: s.download(f"{hostile.url}/drip", "image"))
    assert hostile.hits == []


def test_names_resolving_to_private_addresses_are_refused() -> None:
    async def resolve(allow: bool) -> Any:
        resolver = GuardedResolver(allow_loopback=allow)
        try:
            return await resolver.resolve("localhost", 443)
        finally:
            await resolver.close()

    with pytest.raises(RefusedAddress):
        asyncio.run(resolve(False))
    assert asyncio.run(resolve(True))


@pytest.mark.parametrize("path", ["/big", "/chunked"])
def test_an_api_answer_over_the_json_cap_is_refused(hostile: HostileServer, path: str) -> None:
    with pytest.raises(ProviderError, match="larger than 8 MB") as caught:
        _with_session(lambda s: s.call("GET", f"{hostile.url}{path}"))
    assert not caught.value.retryable


def test_a_drip_fed_download_stops_at_the_overall_deadline(
        hostile: HostileServer, provider_env: pytest.MonkeyPatch) -> None:
    # A byte every 50 ms never trips the read timeout; only the deadline stops it.
    provider_env.setenv("MOVIEBUILD_HTTP_DEADLINE_S", "0.2")
    with pytest.raises(ProviderError, match="for the whole answer") as caught:
        _with_session(lambda s: s.download(f"{hostile.url}/drip", "image"))
    assert caught.value.retryable
    assert len(hostile.hits) == 8




def test_a_slow_drip_is_cut_by_the_minimum_rate_long_before_the_deadline(
        hostile: HostileServer, provider_env: pytest.MonkeyPatch) -> None:
    # 20 bytes/s against a floor of 1000 bytes/s after a 0.1 s window; the deadline stays 900 s.
    provider_env.setenv("MOVIEBUILD_HTTP_MIN_RATE_BPS", "1000")
    provider_env.setenv("MOVIEBUILD_HTTP_RATE_WINDOW_S", "0.1")
    with pytest.raises(ProviderError, match="slower than 1000 bytes/s") as caught:
        _with_session(lambda s: s.download(f"{hostile.url}/drip", "image"))
    assert caught.value.retryable and "MOVIEBUILD_HTTP_MIN_RATE_BPS" in (caught.value.hint or "")
    assert len(hostile.hits) == 8, "each free retry is cut the same way"
