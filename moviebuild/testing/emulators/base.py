"""What every provider emulator shares: an aiohttp.web app on 127.0.0.1 (ephemeral port) run in
the caller's event loop or in a background thread, auth checks, a scriptable fault plan per route,
counters, recorded requests, and generated files served under ``/files/``. Each provider's wire
protocol (paths, JSON shapes, error bodies) lives in its own module, not here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import itertools
import json
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, ClassVar, Self

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FaultKind(StrEnum):
    """What a scripted fault does to one request.

    ``unauthorized`` 401 in the provider's shape; ``refusal`` a content-policy refusal (400/422,
    or OpenAI chat's 200 with ``refusal``); ``rate-limit`` 429 with Retry-After; ``server-error``
    500; ``hang`` no answer until the emulator stops (the client times out); ``drop`` the
    connection closes without an answer; ``malformed`` a 200 whose body is not JSON;
    ``invalid-schema`` (OpenAI chat) valid JSON that breaks the requested schema; ``fail-job``
    (Replicate, fal) the submitted job itself fails when it finishes.
    """

    UNAUTHORIZED = "unauthorized"
    REFUSAL = "refusal"
    RATE_LIMIT = "rate-limit"
    SERVER_ERROR = "server-error"
    HANG = "hang"
    DROP = "drop"
    MALFORMED = "malformed"
    INVALID_SCHEMA = "invalid-schema"
    FAIL_JOB = "fail-job"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: str | None = "7"
    message: str | None = None


class FaultPlan:
    """Faults queued per route name: the next requests to that route get them, in order.

    ``transient(rate)`` adds background noise: each request, identified by its method, path and
    body and how often that same request came before, fails with a 429 or a 500 with
    probability ``rate``. The draw is a hash, not a random generator, so a request's fate does
    not depend on how concurrent requests interleave.
    """

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._rate = 0.0
        self._seed = 0
        self._seen: Counter[str] = Counter()

    def transient(self, rate: float, *, seed: int = 0) -> FaultPlan:
        """Fail about ``rate`` of all requests with a 429 (Retry-After: 0) or a 500."""
        with self._lock:
            self._rate, self._seed = rate, seed
        return self

    def draw(self, identity: str) -> Fault | None:
        """The background fault for this request, if the transient noise picks it."""
        with self._lock:
            if self._rate <= 0:
                return None
            occurrence = self._seen[identity]
            self._seen[identity] += 1
        digest = hashlib.sha256(f"{self._seed}|{identity}|{occurrence}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self._rate:
            return None
        kind = FaultKind.RATE_LIMIT if digest[8] % 2 else FaultKind.SERVER_ERROR
        return Fault(kind, retry_after="0")

    def add(self, route: str, kind: FaultKind | str, *, times: int = 1,
            retry_after: str | None = "7", message: str | None = None) -> FaultPlan:
        with self._lock:
            self._queues[route].extend([Fault(FaultKind(kind), retry_after, message)] * times)
        return self

    def take(self, route: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(route)
            return queue.popleft() if queue else None

    def pending(self, route: str) -> int:
        with self._lock:
            return len(self._queues.get(route, ()))


#: The fault a route's handler must act on itself (``fail-job``, ``invalid-schema``...).
_HANDLER_FAULT: contextvars.ContextVar[Fault | None] = contextvars.ContextVar(
    "emulator_fault", default=None)


def handler_fault() -> Fault | None:
    """Inside a route handler: the scripted fault this request carries, if any."""
    return _HANDLER_FAULT.get()


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it; ``body`` is the parsed JSON body, if any.
    ``authorized``: the route is public or the right key came; ``sent_key``: any key came."""

    route: str
    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    authorized: bool
    sent_key: bool
    content_type: str | None = None


class Emulator:
    """A provider emulator. Subclasses define routes (named; ``files`` is public), the key header,
    and the provider's error body. ``counters`` counts requests per route plus ``submissions``,
    ``polls`` and ``cancels`` where the provider has jobs. Use ``async with`` in a running loop,
    or plain ``with`` to serve from a background thread (then any ``asyncio.run`` may call it)."""

    provider: ClassVar[str] = ""
    key_env: ClassVar[str] = ""
    base_env: ClassVar[str] = ""
    base_path: ClassVar[str] = ""
    public_routes: ClassVar[frozenset[str]] = frozenset({"files", "root"})

    def __init__(self, *, key: str | None = None, polls_to_finish: int = 2,
                 hang_s: float = 30.0) -> None:
        self.key = key or f"{self.provider}-emulator-key"
        self.polls_to_finish = polls_to_finish
        self.hang_s = hang_s
        self.faults = FaultPlan()
        self.counters: Counter[str] = Counter()
        #: Requests per route that the handler answered successfully (faults excluded).
        self.served: Counter[str] = Counter()
        self.requests: list[RecordedRequest] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        #: What each answer told the client it billed, in the provider's own words:
        #: ``{"route": ..., "model": ..., "units": {"prompt_tokens": 52, ...}}``.
        self.billed: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._url = ""
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r})"

    # -- what subclasses provide -------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    def presented_key(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth.partition(" ")[2] or None

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Mapping[str, str] | None = None) -> web.Response:
        raise NotImplementedError

    def response_headers(self) -> dict[str, str]:
        """Headers the provider puts on every answer (request ids, rate-limit state)."""
        return {}

    def fault_response(self, fault: Fault, route: str) -> web.StreamResponse | None:
        """The response for a fault, or None when the route's handler acts on it itself."""
        text = fault.message
        if fault.kind is FaultKind.UNAUTHORIZED:
            return self.error_response(401, text or "Invalid API key", code="invalid_api_key")
        if fault.kind is FaultKind.REFUSAL:
            return self.error_response(400, text or "The request was rejected by the safety "
                                       "system.", code="content_policy_violation")
        if fault.kind is FaultKind.RATE_LIMIT:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return self.error_response(429, text or "Rate limit reached", code="rate_limit",
                                       headers=headers)
        if fault.kind is FaultKind.SERVER_ERROR:
            return self.error_response(500, text or "The server had an error", code="server_error")
        if fault.kind is FaultKind.MALFORMED:
            return web.Response(status=200, body=b'{"id": "broken", "choices": [',
                                content_type="application/json", headers=self.response_headers())
        return None

    # -- helpers for subclasses --------------------------------------------------------------
    @property
    def url(self) -> str:
        """The emulator's origin, e.g. ``http://127.0.0.1:41234``."""
        return self._url

    @property
    def base_url(self) -> str:
        """What the adapter's *_BASE_URL variable should hold."""
        return self._url + self.base_path

    def environment(self) -> dict[str, str]:
        """The environment variables that point the provider's adapter here, and the test
        setting that lets downloads reach this emulator's files on 127.0.0.1."""
        return {self.key_env: self.key, self.base_env: self.base_url,
                "MOVIEBUILD_ALLOW_LOOPBACK_DOWNLOADS": "1"}

    def next_id(self, prefix: str = "") -> str:
        return f"{prefix}{next(self._ids):06d}{self.provider[:2]}emu"

    def bill(self, route: str, model: str, **units: float) -> None:
        """Note what an answer reports it billed (tests compare it with the client's bill)."""
        self.billed.append({"route": route, "model": model, "units": units})

    def publish(self, data: bytes, content_type: str, name: str) -> str:
        """Serve ``data`` at a new URL under /files/ (the provider's CDN stand-in)."""
        token = f"{self.next_id()}-{name}"
        self.files[token] = (data, content_type)
        return f"{self._url}/files/{token}"

    async def _serve_file(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["token"])
        if found is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=found[0], content_type=found[1])

    # -- the server --------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 << 20)
        app.router.add_get("/files/{token}", self._serve_file, name="files")
        self.add_routes(app.router)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        name = request.match_info.route.name or "unknown"
        route = name.split(".")[0]
        self.counters[route] += 1
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        presented = self.presented_key(request)
        authorized = route in self.public_routes or presented == self.key
        self.requests.append(RecordedRequest(route, request.method, request.path,
                                             dict(request.query), body, authorized,
                                             presented is not None,
                                             request.headers.get("Content-Type")))
        fault = self.faults.take(route)
        if fault is None and route not in ("root",):
            digest = hashlib.sha256(raw).hexdigest()
            fault = self.faults.draw(f"{request.method} {request.path} {digest}")
        if fault is not None:
            if fault.kind is FaultKind.HANG:
                assert self._stopping is not None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.hang_s)
                return self.error_response(504, "Gateway timeout", code="timeout")
            if fault.kind is FaultKind.DROP and request.transport is not None:
                request.transport.abort()
                return web.Response(status=500)
            response = self.fault_response(fault, route)
            if response is not None:
                return response
        if not authorized:
            return self.error_response(401, "Invalid or missing API key", code="invalid_api_key")
        token = _HANDLER_FAULT.set(fault)
        try:
            response = await handler(request)
        finally:
            _HANDLER_FAULT.reset(token)
        if response.status < 400:
            self.served[route] += 1
        return response

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def __enter__(self) -> Self:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name=f"{self.provider}-emulator", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.start(), self._loop).result(30)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self.close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()
        self._loop = self._thread = None
