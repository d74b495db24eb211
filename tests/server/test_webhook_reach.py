"""Webhooks never reach inside: registration refuses loopback, link-local (cloud metadata),
private and reserved addresses, and names that resolve to them; every delivery checks its URL
and each redirect hop again, and connects to the address its guarded resolver checked. Loopback
only with ``--allow-loopback-webhooks`` (local development)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from moviebuild.server.models import Webhook
from moviebuild.server.webhooks import MAX_REDIRECTS, WebhookSender
from tests.server.harness import running_server

INSIDE = [
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/hook",
    "https://192.168.1.10/hook",
    "https://172.16.0.1/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://0.0.0.0/hook",
    "https://100.64.0.1/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:a00:1::1]/hook",
]
LOOPBACK = [
    "http://localhost:22/",
    "https://localhost/hook",
    "https://127.0.0.1/hook",
    "https://127.1.2.3:8443/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://api.localhost/hook",
]


class FakeDns(AbstractResolver):
    """Names resolved from a table, as a hostile DNS might answer them."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"{host}: no such name")
        address = self.table[host]
        return [ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        pass


class Receiver:
    """An endpoint on 127.0.0.1 answering every POST with ``status`` (and ``location``)."""

    def __init__(self, status: int = 204, location: str | None = None) -> None:
        self.status, self.location = status, location
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.url = ""


@contextmanager
def receiver(status: int = 204, location: str | None = None) -> Iterator[Receiver]:
    found = Receiver(status, location)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.requests.append((self.path, dict(self.headers), body))
            self.send_response(found.status)
            if found.location:
                self.send_header("Location", found.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def deliver(sender: WebhookSender, url: str) -> tuple[bool, list[float]]:
    """One delivery of a small event to ``url``; whether it arrived and the backoff waits."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    sender._sleep = sleep
    hook = Webhook(url=url, secret="whsec_test")
    return asyncio.run(sender.deliver(hook, b'{"type": "build-finished"}')), waits


def test_registration_refuses_every_address_inside(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        for url in [*INSIDE, *LOOPBACK, "http://example.com/hook", "ftp://example.com/",
                    "https:///nohost"]:
            answer = http.call("PUT", "/v1/webhook", {"url": url})
            assert answer.status == 422, (url, answer.status, answer.body)
            assert answer.json()["where"] == "$.url"
        answer = http.call("PUT", "/v1/webhook", {"url": "https://[::1]/hook"})
        assert "--allow-loopback-webhooks" in answer.json()["message"]
        assert not (tmp_path / "root" / "tenants" / "acme" / "webhook.json").exists()


def test_the_development_flag_opens_loopback_only(tmp_path: Path) -> None:
    with running_server(tmp_path / "root", allow_loopback_webhooks=True) as running:
        http = running.as_tenant("acme")
        for url in INSIDE:
            answer = http.call("PUT", "/v1/webhook", {"url": url})
            assert answer.status == 422, (url, answer.status, answer.body)
        for url in [*LOOPBACK, "http://127.0.0.1:8000/hook"]:
            answer = http.call("PUT", "/v1/webhook", {"url": url})
            assert answer.status == 200, (url, answer.status, answer.body)


def test_a_name_that_resolves_inside_is_refused_at_registration(tmp_path: Path) -> None:
    dns = FakeDns({"metadata.example.test": "169.254.169.254", "hooks.example.test": "10.1.2.3",
                   "public.example.test": "93.184.216.34"})
    with running_server(tmp_path / "root", webhook_resolver=lambda: dns) as running:
        http = running.as_tenant("acme")
        for host in ("metadata.example.test", "hooks.example.test"):
            answer = http.call("PUT", "/v1/webhook", {"url": f"https://{host}/hook"})
            assert answer.status == 422, (host, answer.body)
            assert "resolves only to" in answer.json()["message"]
        answer = http.call("PUT", "/v1/webhook", {"url": "https://public.example.test/hook"})
        assert answer.status == 200, answer.body
        assert dns.asked == ["metadata.example.test", "hooks.example.test", "public.example.test"]


def test_a_registered_loopback_hook_is_not_delivered_without_the_flag(tmp_path: Path) -> None:
    """A hook registered while the flag was on, after a restart without it."""
    with receiver() as inside:
        arrived, waits = deliver(WebhookSender(lambda _t: tmp_path), inside.url + "/hook")
        assert not arrived and inside.requests == [] and waits == []


def test_a_name_resolving_inside_is_never_connected_to(tmp_path: Path) -> None:
    with receiver() as inside:
        port = inside.url.rsplit(":", 1)[1]
        dns = FakeDns({"hooks.example.test": "127.0.0.1"})
        sender = WebhookSender(lambda _t: tmp_path, resolver_factory=lambda: dns)
        arrived, waits = deliver(sender, f"https://hooks.example.test:{port}/hook")
        assert not arrived and inside.requests == [] and waits == []
        assert dns.asked == ["hooks.example.test"]


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "https://10.0.0.1/x", "ftp://127.0.0.1/x",
])
def test_a_redirect_inside_is_refused_at_once(tmp_path: Path, target: str) -> None:
    with receiver(status=307, location=target) as hook:
        sender = WebhookSender(lambda _t: tmp_path, allow_loopback=True)
        arrived, waits = deliver(sender, hook.url + "/hook")
        assert not arrived
        assert len(hook.requests) == 1, "a refused hop is not retried"
        assert waits == []


def test_a_redirect_is_followed_only_while_each_hop_is_allowed(tmp_path: Path) -> None:
    with receiver() as final, receiver(status=308, location="") as first:
        first.location = final.url + "/moved"
        allowed = WebhookSender(lambda _t: tmp_path, allow_loopback=True)
        assert deliver(allowed, first.url + "/hook")[0]
        (path, headers, _body), = final.requests
        assert path == "/moved" and headers["Moviebuild-Signature"].startswith("v1=")
        # Without the flag the very first hop is refused; nothing reaches either endpoint.
        refused, _waits = deliver(WebhookSender(lambda _t: tmp_path), first.url + "/hook")
        assert not refused and len(first.requests) == 1 and len(final.requests) == 1


def test_redirect_loops_end(tmp_path: Path) -> None:
    with receiver(status=307, location="/again") as loop:
        sender = WebhookSender(lambda _t: tmp_path, allow_loopback=True)
        arrived, waits = deliver(sender, loop.url + "/hook")
        assert not arrived and waits == [] and len(loop.requests) == MAX_REDIRECTS + 1


def test_a_server_movie_cannot_point_a_provider_at_an_address(tmp_path: Path) -> None:
    """The same rule for providers: their addresses come from the server's environment only."""
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        for spec in ({"adapter": "openai", "base_url": "https://169.254.169.254/v1"},
                     {"adapter": "openai", "model": "x", "base_url": "http://127.0.0.1:22"}):
            fields = {"inquiry": "x", "duration": 30, "providers": {"text": spec}}
            answer = http.post("/v1/movies", {"moviefile": fields})
            assert answer.status == 422, answer.body
            assert answer.json()["where"].startswith("$.moviefile.providers.text"), answer.body
