"""Webhooks: build-finished events reach a registered URL, signed with HMAC-SHA256, retried
after a failure (backoff on the manual clock), and only for the tenant that registered them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.server.harness import moviefile, running_server


class Receiver:
    """A webhook endpoint on 127.0.0.1 that answers 500 to its first ``failures`` requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.changed = threading.Condition()

    def wait_for(self, count: int, timeout_s: float = 20) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout_s)


@contextmanager
def receiving(failures: int) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.changed:
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= receiver.failures
                receiver.changed.notify_all()
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The check a receiver makes (as docs/server.md shows)."""
    timestamp = headers["Moviebuild-Timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest("v1=" + expected, headers["Moviebuild-Signature"])


def test_a_build_finished_event_is_signed_and_retried_until_delivered(tmp_path: Path) -> None:
    with receiving(failures=1) as (receiver, url), running_server(
        tmp_path / "root", allow_loopback_webhooks=True
    ) as running:
        http = running.as_tenant("acme")
        answer = http.call("PUT", "/v1/webhook", {"url": url})
        assert answer.status == 200, answer.body
        secret = answer.json()["secret"]
        assert secret.startswith("whsec_")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        http.wait_for_build(movie_id)
        receiver.wait_for(2)
        (_first_headers, first_body), (headers, body) = receiver.requests[:2]
        assert first_body == body, "a retry sends the same event"
        assert verify(secret, headers, body)
        assert not verify("whsec_other", headers, body)
        event = json.loads(body)
        assert event["type"] == "build-finished" and event["movie"] == movie_id
        assert event["build"]["status"] == "complete"
        assert http.call("DELETE", "/v1/webhook").status == 204
        assert http.call("DELETE", "/v1/webhook").status == 404


def test_webhooks_need_https_and_stay_within_the_tenant(tmp_path: Path) -> None:
    with running_server(tmp_path / "root", allow_loopback_webhooks=True) as running:
        alice, bob = running.as_tenant("alice"), running.as_tenant("bob")
        answer = alice.call("PUT", "/v1/webhook", {"url": "http://example.com/hook"})
        assert answer.status == 422 and answer.json()["where"] == "$.url"
        movie_id = alice.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        # Port 9 (discard) on this machine: nothing listens, so deliveries fail fast, offline.
        hook = {"url": "https://127.0.0.1:9/hook"}
        answer = bob.call("PUT", f"/v1/movies/{movie_id}/webhook", hook)
        assert answer.status == 404
        answer = alice.call("PUT", f"/v1/movies/{movie_id}/webhook", hook)
        assert answer.status == 200
        alice.wait_for_build(movie_id)
