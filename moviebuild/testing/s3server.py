"""A real S3-protocol server on 127.0.0.1 for tests and benchmarks: moto's in-process server with
authentication on (an IAM user whose keys sign every request), and ``S3Proxy``, a small HTTP
proxy in front of it that counts requests and bytes, can answer every 412 with a bare body (as
servers other than AWS do), and can stop answering (a server that accepts and never replies).
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REGION = "us-east-1"


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str


class S3Server:
    """moto's S3 on a free port of 127.0.0.1, requests signed by a real IAM user's keys.

    ``env(bucket)`` is what a moviebuild process needs (endpoint, keys, region) to use it.
    """

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""
        self.credentials = S3Credentials("", "")

    def start(self) -> S3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.credentials = self._create_user()
        self._require_authentication()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, endpoint: str | None = None) -> Any:
        """A boto3 S3 client signed with the server's user (for setting up and inspecting)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.credentials.access_key_id,
            aws_secret_access_key=self.credentials.secret_access_key,
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """Environment variables pointing moviebuild (botocore) at this server."""
        return {
            "AWS_ENDPOINT_URL": endpoint or self.endpoint,
            "AWS_ACCESS_KEY_ID": self.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_access_key,
            "AWS_DEFAULT_REGION": REGION,
        }

    def _create_user(self) -> S3Credentials:
        import uuid

        import boto3
        from moto import settings

        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        name = f"moviebuild-{uuid.uuid4().hex[:8]}"

        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName=name)
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return S3Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    @staticmethod
    def _require_authentication() -> None:
        # moto checks signatures and IAM policies once this many unauthenticated calls are used.
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        ActionAuthenticatorMixin.request_count = 0
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0


@dataclass
class Traffic:
    """What went through an ``S3Proxy``: requests by method, and bytes each way."""

    requests: Counter[str] = field(default_factory=Counter)
    bytes_up: int = 0
    bytes_down: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.log.clear()
        self.bytes_up = self.bytes_down = 0


class S3Proxy:
    """An HTTP proxy on 127.0.0.1 in front of ``upstream`` (an ``http://host:port``).

    ``bare_412``: every 412 answer loses its XML body, as servers other than AWS send it.
    ``hang``: accept connections and never answer; ``hang_puts_to``: when set to part of a key
    (``"/objects/"``), the same for PUTs of matching keys only (the request headers,
    ``Expect: 100-continue`` included, are taken and nothing is ever sent back).
    ``traffic`` counts what passed.
    """

    def __init__(self, upstream: str, *, bare_412: bool = False) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.bare_412 = bare_412
        self.hang = threading.Event()
        self.hang_puts_to: str | None = None
        self.silenced: list[str] = []  # the requests taken and never answered
        self.traffic = Traffic()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._release = threading.Event()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> S3Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> S3Proxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                silent_put = proxy.hang_puts_to is not None and self.command == "PUT"
                if proxy.hang.is_set() or (silent_put and str(proxy.hang_puts_to) in self.path):
                    with proxy._lock:
                        proxy.silenced.append(f"{self.command} {self.path}")
                    proxy._release.wait(60)
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items()}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    status = answer.status
                    out_headers = [
                        (k, v)
                        for k, v in answer.getheaders()
                        if k.lower() not in {"transfer-encoding", "connection", "content-length"}
                    ]
                finally:
                    upstream.close()
                if status == 412 and proxy.bare_412:
                    data = b""
                    out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-type"]
                with proxy._lock:
                    proxy.traffic.requests[self.command] += 1
                    proxy.traffic.log.append(f"{self.command} {self.path} {status}")
                    proxy.traffic.bytes_up += len(body)
                    proxy.traffic.bytes_down += len(data)
                self.send_response(status)
                for key, value in out_headers:
                    self.send_header(key, value)
                if self.command == "HEAD":
                    self.send_header("Content-Length", answer.getheader("Content-Length") or "0")
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler


@contextmanager
def running_s3(*, bare_412: bool = False) -> Iterator[tuple[S3Server, S3Proxy]]:
    """A started server and a proxy in front of it, both stopped on exit."""
    with S3Server() as server, S3Proxy(server.endpoint, bare_412=bare_412) as proxy:
        yield server, proxy
