"""The one place HTTP meets moviebuild's error tree: aiohttp sessions with timeouts and an overall
deadline, capped bodies, every reply and transport exception turned into a ProviderError
(secrets scrubbed), and a downloader that checks each redirect hop. It knows no provider's
endpoints or payloads; adapters do. What a reply means is decided in ``classify.py``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import aiohttp

from moviebuild.errors import ProviderError
from moviebuild.providers.classify import Reply, classify_reply
from moviebuild.providers.endpoints import (
    POLL_INTERVAL_ENV,
    TIMEOUT_ENV,
    ProviderEndpoint,
    display_url,
    env_float,
)
from moviebuild.providers.guard import (
    GuardedResolver,
    RefusedAddress,
    loopback_allowed,
    refusal_reason,
)
from moviebuild.providers.transient import TransientRetry, retry_transient

__all__ = ["MediaKind", "ProviderSession", "Reply", "check_reachable", "quote_prompt",
           "timeout_s"]

MediaKind = Literal["image", "audio", "video"]
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 300.0
#: The whole of one exchange (connect to last byte), so a drip-fed body cannot hold a build.
DEADLINE_ENV = "MOVIEBUILD_HTTP_DEADLINE_S"
DEFAULT_DEADLINE_S = 900.0
#: A download slower than this on average (bytes per second, once the window below has passed)
#: is given up on as a transient failure, so a slow drip is cut in seconds, not at the deadline.
MIN_RATE_ENV = "MOVIEBUILD_HTTP_MIN_RATE_BPS"
DEFAULT_MIN_RATE_BPS = 4096.0
RATE_WINDOW_ENV = "MOVIEBUILD_HTTP_RATE_WINDOW_S"
DEFAULT_RATE_WINDOW_S = 30.0
MAX_DOWNLOAD_BYTES: dict[str, int] = {"image": 50 << 20, "audio": 50 << 20, "video": 200 << 20}
#: An API answer (JSON) larger than this is refused; image APIs answering base64 get more.
MAX_JSON_BYTES = 8 << 20
MAX_REDIRECTS = 5
_TOLERATED_TYPES = ("application/octet-stream", "binary/octet-stream", "")

log = logging.getLogger("moviebuild.providers")


def timeout_s(explicit: float | None = None) -> float:
    """The adapter's timeout: the constructor's, else $MOVIEBUILD_HTTP_TIMEOUT_S, else 300 s."""
    return explicit if explicit and explicit > 0 else env_float(TIMEOUT_ENV, DEFAULT_TIMEOUT_S)


def quote_prompt(prompt: str | None) -> str:
    if not prompt:
        return ""
    flat = " ".join(prompt.split())
    return flat[:120] + ("…" if len(flat) > 120 else "")


class ProviderSession:
    """An aiohttp session for one call of one job; carries the key without ever showing it.

    Every non-accepted status and every transport failure leaves here as a ProviderError whose
    message starts with the job id and the provider, and never contains the key.
    """

    def __init__(self, endpoint: ProviderEndpoint, job_id: str, *, timeout_s: float) -> None:
        key = endpoint.key()
        if key is None:
            raise ProviderError(
                f"{job_id}: {endpoint.name}: no API key; set the environment variable "
                f"{endpoint.key_env}", retryable=False, provider=endpoint.name,
                hint=f"export {endpoint.key_env}=... (keys are read only from the environment; "
                "see docs/providers.md)",
            )
        self.endpoint, self.job_id, self.timeout_s = endpoint, job_id, timeout_s
        self.base_url = endpoint.base_url()
        self._key = key
        self._auth = endpoint.auth_headers(key)
        self.deadline_s = env_float(DEADLINE_ENV, DEFAULT_DEADLINE_S)
        self.min_rate_bps = env_float(MIN_RATE_ENV, DEFAULT_MIN_RATE_BPS)
        self.rate_window_s = env_float(RATE_WINDOW_ENV, DEFAULT_RATE_WINDOW_S)
        self.transient = TransientRetry(base_delay_s=env_float(POLL_INTERVAL_ENV, 1.0))
        self.allow_loopback = loopback_allowed()
        self._session: aiohttp.ClientSession | None = None
        self._downloads: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None

    def __repr__(self) -> str:
        return f"ProviderSession({self.endpoint.name!r}, {self.job_id!r})"

    async def __aenter__(self) -> ProviderSession:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout_s,
                                        sock_read=self.timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        for session in (self._session, self._downloads):
            if session is not None:
                await session.close()
        if self._resolver is not None:
            await self._resolver.close()

    def scrub(self, text: str) -> str:
        """``text`` without the key, or either half of an ``id:secret`` key."""
        # Keys shorter than 8 characters ("ollama", "x" for a local server) are not secrets;
        # replacing them would garble every message that happens to contain them.
        parts = (self._key, *self._key.split(":"))
        for secret in (p for p in parts if len(p) >= 8):
            text = text.replace(secret, "[redacted]")
        return text

    def error(self, message: str, *, retryable: bool, retry_after_s: float | None = None,
              hint: str | None = None, reply: Reply | None = None) -> ProviderError:
        """A ProviderError for this call, scrubbed, with the provider's request id if known."""
        if reply is not None and reply.request_id:
            message += f" (request id {reply.request_id})"
        return ProviderError(
            self.scrub(f"{self.job_id}: {self.endpoint.name}: {message}"), retryable=retryable,
            retry_after_s=retry_after_s, provider=self.endpoint.name,
            hint=self.scrub(hint) if hint else None,
        )

    def refused(self, message: str, prompt: str | None, reply: Reply | None = None,
                suggestion: str | None = None) -> ProviderError:
        """The provider will not do this with this prompt: the user must edit it (the hint
        quotes the provider's suggested rewording when it gave one)."""
        return self.error(message, retryable=False, reply=reply,
                          hint=_edit_hint(prompt, suggestion))

    def unexpected(self, reply: Reply, what: str) -> ProviderError:
        return self.error(f"unexpected answer from {display_url(reply.url)}: {what}",
                          retryable=False, reply=reply,
                          hint="this may be a provider change or an incompatible server; "
                               "check the base URL, or report it with the request id")

    def json_object(self, reply: Reply) -> dict[str, Any]:
        try:
            data = json.loads(reply.body)
        except ValueError:
            raise self.unexpected(reply, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise self.unexpected(reply, "the body is not a JSON object")
        return data

    async def call(self, method: str, url: str, *, json_body: Any = None,
                   headers: Mapping[str, str] | None = None,
                   params: Mapping[str, str] | None = None, prompt: str | None = None,
                   accept: tuple[int, ...] = (200, 201, 202),
                   max_body_bytes: int = MAX_JSON_BYTES, free: bool = False) -> Reply:
        """One authenticated request; statuses outside ``accept`` raise a classified error.

        ``free`` marks a request that costs nothing and changes nothing (a status poll, a
        result fetch): its transient failures are retried here, on their own budget, instead
        of spending one of the engine's attempts at the paid call.
        """
        if _origin(url) != _origin(self.base_url):
            raise self.error(f"refusing to send the {self.endpoint.key_env} key to "
                             f"{display_url(url)}, which is not {display_url(self.base_url)}",
                             retryable=False, hint="check the base URL and the provider's answer")

        async def once() -> Reply:
            return await self._call_once(method, url, json_body, headers, params, prompt,
                                         accept, max_body_bytes)

        return await self.retrying(once, f"{method} {display_url(url)}") if free else await once()

    async def retrying(self, operation: Callable[[], Awaitable[T]], what: str) -> T:
        """``operation`` with its transient failures retried on the free-request budget."""
        return await retry_transient(operation, what=f"{self.job_id}: {what}",
                                     policy=self.transient)

    async def _call_once(self, method: str, url: str, json_body: Any,
                         headers: Mapping[str, str] | None, params: Mapping[str, str] | None,
                         prompt: str | None, accept: tuple[int, ...],
                         max_body_bytes: int) -> Reply:
        assert self._session is not None, "use `async with ProviderSession(...)`"
        try:
            # An empty POST or PUT (a cancel) carries no Content-Type, as the providers' SDKs
            # send it; aiohttp would add application/octet-stream.
            skip = ("Content-Type",) if json_body is None else ()
            async with asyncio.timeout(self.deadline_s), self._session.request(
                method, url, json=json_body, params=params, allow_redirects=False,
                headers={**self._auth, **(headers or {})}, skip_auto_headers=skip,
            ) as response:
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                body = await self._read_capped(response, max_body_bytes, url)
                reply = Reply(response.status, response_headers, body, url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.transport_error(exc, url) from _safe_cause(exc)
        log.debug("%s %s -> %s (request id %s)", method, display_url(url), reply.status,
                  reply.request_id)
        if reply.status not in accept:
            raise self.classify(reply, prompt)
        return reply

    async def _read_capped(self, response: aiohttp.ClientResponse, cap: int, url: str, *,
                           min_rate: bool = False) -> bytes:
        """The body, refused as soon as it is known to exceed ``cap`` bytes. With ``min_rate``
        (downloads of media already made) it is given up on (retryable) when it arrives slower
        than ``min_rate_bps`` on average once ``rate_window_s`` has passed: each read must end
        by the time the bytes so far (plus one) are due at that rate. An API answer is not held
        to it: a paid call's body may start only when the provider has finished its work."""
        length = response.headers.get("content-length") or "0"
        if length.isascii() and length.isdigit() and int(length) > cap:
            raise self._too_big(url, cap)
        loop = asyncio.get_running_loop()
        start = loop.time()
        chunks: list[bytes] = []
        size = 0
        while True:
            due = start + max(self.rate_window_s, (size + 1) / self.min_rate_bps)
            try:
                async with asyncio.timeout_at(due if min_rate else None):
                    chunk = await response.content.readany()
            except TimeoutError:
                raise self._too_slow(url, size, loop.time() - start) from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > cap:
                raise self._too_big(url, cap)
            chunks.append(chunk)

    def _too_slow(self, url: str, size: int, elapsed_s: float) -> ProviderError:
        return self.error(
            f"{display_url(url)} sent {size} bytes in {elapsed_s:.0f} s, slower than "
            f"{self.min_rate_bps:g} bytes/s", retryable=True,
            hint=f"the provider or the network is stalling; lower {MIN_RATE_ENV} or raise "
                 f"{RATE_WINDOW_ENV} if this connection is really this slow",
        )

    def transport_error(self, exc: BaseException, url: str) -> ProviderError:
        """Timeouts and dropped or refused connections are worth another attempt."""
        where = display_url(url)
        if isinstance(exc, TimeoutError):
            return self.error(f"no answer from {where} within {self.timeout_s:g} s "
                              f"(per read; {self.deadline_s:g} s for the whole answer)",
                              retryable=True,
                              hint=f"raise {TIMEOUT_ENV} or {DEADLINE_ENV} if the provider is "
                                   "slow")
        retryable = isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError)
        detail = str(exc) if isinstance(exc, aiohttp.ClientConnectionError) else ""
        return self.error(f"{type(exc).__name__} talking to {where} {detail}".rstrip(),
                          retryable=retryable)

    def classify(self, reply: Reply, prompt: str | None) -> ProviderError:
        """The ProviderError for one non-accepted reply (see ``classify.classify_reply``)."""
        verdict = classify_reply(reply, provider=self.endpoint.name,
                                 key_env=self.endpoint.key_env)
        if verdict.refusal:
            return self.refused(verdict.message, prompt, reply, verdict.suggestion)
        return self.error(verdict.message, retryable=verdict.retryable, reply=reply,
                          retry_after_s=verdict.retry_after_s, hint=verdict.hint)

    async def download(self, url: str, kind: MediaKind) -> bytes:
        """Generated media from ``url`` (https, or data:), unauthenticated, checked against the
        role's content types and size cap. Every redirect hop is checked before it is followed
        (https only; no loopback, link-local or private address unless the test setting allows
        127.0.0.1); transient failures are retried here, since the media is already paid for."""
        cap = MAX_DOWNLOAD_BYTES[kind]
        if url.startswith("data:"):
            return self._data_uri(url, kind, cap)
        self._check_hop(url)
        return await self.retrying(lambda: self._download_once(url, kind, cap),
                                   f"download of {display_url(url)}")

    async def _download_once(self, url: str, kind: MediaKind, cap: int) -> bytes:
        session = self._download_session()
        hop = url
        try:
            async with asyncio.timeout(self.deadline_s):
                for _ in range(MAX_REDIRECTS + 1):
                    async with session.get(hop, allow_redirects=False) as response:
                        headers = {k.lower(): v for k, v in response.headers.items()}
                        if response.status in (301, 302, 303, 307, 308) and "location" in headers:
                            hop = urljoin(hop, headers["location"])
                            self._check_hop(hop)
                            continue
                        if response.status != 200:
                            body = await response.content.read(4096)
                            raise self.classify(Reply(response.status, headers, body, hop), None)
                        self._check_type(headers.get("content-type", ""), kind, hop)
                        return await self._read_capped(response, cap, hop, min_rate=True)
        except RefusedAddress as exc:
            raise self.error(f"refusing to download {display_url(hop)}: {exc}",
                             retryable=False) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.transport_error(exc, hop) from _safe_cause(exc)
        raise self.error(f"{display_url(url)} redirects more than {MAX_REDIRECTS} times",
                         retryable=False)

    def _download_session(self) -> aiohttp.ClientSession:
        """A session without the key whose resolver refuses private addresses."""
        if self._downloads is None:
            self._resolver = GuardedResolver(allow_loopback=self.allow_loopback)
            connector = aiohttp.TCPConnector(resolver=self._resolver)
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout_s,
                                            sock_read=self.timeout_s)
            self._downloads = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self._downloads

    def media_body(self, reply: Reply, kind: MediaKind) -> bytes:
        """The bytes of a reply that is itself the media (speech, music), checked as downloads."""
        self._check_type(reply.headers.get("content-type", ""), kind, reply.url, reply)
        if len(reply.body) > MAX_DOWNLOAD_BYTES[kind]:
            raise self._too_big(reply.url, MAX_DOWNLOAD_BYTES[kind])
        if not reply.body:
            raise self.unexpected(reply, f"the {kind} is empty")
        return reply.body

    def _check_hop(self, url: str) -> None:
        reason = refusal_reason(url, allow_loopback=self.allow_loopback)
        if reason is not None:
            raise self.error(f"refusing to download {display_url(url)}: {reason}",
                             retryable=False)

    def _check_type(self, content_type: str, kind: MediaKind, url: str,
                    reply: Reply | None = None) -> None:
        media_type = content_type.split(";")[0].strip().lower()
        if media_type.startswith(f"{kind}/") or media_type in _TOLERATED_TYPES:
            return
        raise self.error(f"{display_url(url)} is {media_type}, not {kind}", retryable=False,
                         reply=reply)

    def _too_big(self, url: str, cap: int) -> ProviderError:
        return self.error(f"{display_url(url)} is larger than {cap >> 20} MB", retryable=False)

    def _data_uri(self, url: str, kind: MediaKind, cap: int) -> bytes:
        header, _, payload = url[5:].partition(",")
        self._check_type(header.split(";")[0], kind, "data: URI")
        try:
            data = (base64.b64decode(payload, validate=False) if header.endswith(";base64")
                    else unquote_to_bytes(payload))
        except (binascii.Error, ValueError):
            raise self.error("a data: URI output is not valid base64", retryable=False) from None
        if len(data) > cap:
            raise self._too_big("data: URI", cap)
        return data


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _safe_cause(exc: BaseException) -> BaseException | None:
    """The exception to chain, unless it carries the request's headers (and so the key)."""
    return None if isinstance(exc, aiohttp.ClientResponseError) else exc


def _edit_hint(prompt: str | None, suggestion: str | None = None) -> str:
    quoted = quote_prompt(prompt)
    offer = f'; the provider suggests instead: "{quote_prompt(suggestion)}"' if suggestion else ""
    if not quoted:
        return "check the request's settings (model, params) in the Moviefile" + offer
    return (f'edit this prompt (under prompts/ or in the Moviefile), or the model settings if '
            f'the message names one, and build again: "{quoted}"{offer}')


async def check_reachable(endpoint: ProviderEndpoint, *, timeout_s: float = 3.0) -> dict[str, str]:
    """A short GET of the provider's cheap endpoint: reachability and whether the key works."""
    key = endpoint.key()
    headers = endpoint.auth_headers(key) if key else {}
    url = endpoint.base_url() + endpoint.check_path
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(
            url, headers=headers, allow_redirects=False
        ) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return {"reachable": "no", "detail": f"{type(exc).__name__} from {display_url(url)}"}
    auth = "rejected" if status in (401, 403) else "accepted" if status < 400 else "unknown"
    return {"reachable": "yes", "detail": f"HTTP {status}", "auth": auth if key else "no key"}
