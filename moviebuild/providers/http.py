"""The one place HTTP meets moviebuild's error tree: aiohttp sessions with timeouts, every reply
status and transport exception classified into ProviderError (secrets scrubbed), and a safe
downloader for generated media. It knows no provider's endpoints or payloads; adapters do.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote_to_bytes, urlsplit

import aiohttp

from moviebuild.errors import ProviderError
from moviebuild.providers.endpoints import TIMEOUT_ENV, ProviderEndpoint, display_url, env_float
from moviebuild.providers.error_bodies import provider_message, retry_after_s

MediaKind = Literal["image", "audio", "video"]

DEFAULT_TIMEOUT_S = 300.0
MAX_DOWNLOAD_BYTES: dict[str, int] = {"image": 50 << 20, "audio": 50 << 20, "video": 200 << 20}
_TOLERATED_TYPES = ("application/octet-stream", "binary/octet-stream", "")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-fal-request-id", "x-amzn-requestid")
_REFUSAL_CODES = ("content_policy_violation", "content_filter", "safety", "moderation", "nsfw")

log = logging.getLogger("moviebuild.providers")


def timeout_s(explicit: float | None = None) -> float:
    """The adapter's timeout: the constructor's, else $MOVIEBUILD_HTTP_TIMEOUT_S, else 300 s."""
    return explicit if explicit and explicit > 0 else env_float(TIMEOUT_ENV, DEFAULT_TIMEOUT_S)


def quote_prompt(prompt: str | None) -> str:
    if not prompt:
        return ""
    flat = " ".join(prompt.split())
    return flat[:120] + ("…" if len(flat) > 120 else "")


@dataclass(frozen=True)
class Reply:
    """A finished HTTP exchange; header names are lower-case."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def request_id(self) -> str | None:
        return next((self.headers[h] for h in _REQUEST_ID_HEADERS if h in self.headers), None)


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
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"ProviderSession({self.endpoint.name!r}, {self.job_id!r})"

    async def __aenter__(self) -> ProviderSession:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout_s,
                                        sock_read=self.timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()

    def scrub(self, text: str) -> str:
        """``text`` without the key, or either half of an ``id:secret`` key."""
        for secret in (self._key, *(p for p in self._key.split(":") if len(p) >= 8)):
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

    def refused(self, message: str, prompt: str | None,
                reply: Reply | None = None) -> ProviderError:
        """The provider will not do this with this prompt: the user must edit it."""
        return self.error(message, retryable=False, reply=reply, hint=_edit_hint(prompt))

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
                   accept: tuple[int, ...] = (200, 201, 202)) -> Reply:
        """One authenticated request; statuses outside ``accept`` raise a classified error."""
        assert self._session is not None, "use `async with ProviderSession(...)`"
        if _origin(url) != _origin(self.base_url):
            raise self.error(f"refusing to send the {self.endpoint.key_env} key to "
                             f"{display_url(url)}, which is not {display_url(self.base_url)}",
                             retryable=False, hint="check the base URL and the provider's answer")
        try:
            async with self._session.request(
                method, url, json=json_body, params=params, allow_redirects=False,
                headers={**self._auth, **(headers or {})},
            ) as response:
                body = await response.read()
                reply = Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                              body, url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.transport_error(exc, url) from _safe_cause(exc)
        log.debug("%s %s -> %s (request id %s)", method, display_url(url), reply.status,
                  reply.request_id)
        if reply.status not in accept:
            raise self.classify(reply, prompt)
        return reply

    def transport_error(self, exc: BaseException, url: str) -> ProviderError:
        """Timeouts and dropped or refused connections are worth another attempt."""
        where = display_url(url)
        if isinstance(exc, TimeoutError):
            return self.error(f"no answer from {where} within {self.timeout_s:g} s",
                              retryable=True, hint=f"raise {TIMEOUT_ENV} if the provider is slow")
        retryable = isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError)
        detail = str(exc) if isinstance(exc, aiohttp.ClientConnectionError) else ""
        return self.error(f"{type(exc).__name__} talking to {where} {detail}".rstrip(),
                          retryable=retryable)

    def classify(self, reply: Reply, prompt: str | None) -> ProviderError:
        """The error table of DESIGN.md section 5, for one non-accepted reply."""
        status = reply.status
        message, code = provider_message(reply.body)
        text = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        key_env = self.endpoint.key_env
        if status in (401, 403):
            return self.error(f"{text}; the key in {key_env} was rejected", retryable=False,
                              reply=reply, hint=f"set {key_env} to a valid key with access to "
                                                "this model")
        flag = reply.headers.get("x-fal-retryable") or reply.headers.get("x-fal-needs-retry")
        if status == 429 and code != "insufficient_quota":
            return self.error(text, retryable=flag != "false", reply=reply,
                              retry_after_s=retry_after_s(reply.headers, message))
        if status == 429 or status == 402:
            return self.error(text, retryable=False, reply=reply,
                              hint=f"add credit or raise the quota of the {self.endpoint.name} "
                                   "account")
        if status >= 500 or status in (408, 409, 425):
            return self.error(text, retryable=flag != "false", reply=reply,
                              retry_after_s=retry_after_s(reply.headers, throttled=False))
        if code and any(word in code.lower() for word in _REFUSAL_CODES):
            return self.refused(f"refused by the content policy: {text}", prompt, reply)
        if status == 404:
            return self.error(text, retryable=False, reply=reply,
                              hint="check the model name and the base URL")
        return self.refused(text, prompt, reply)

    async def download(self, url: str, kind: MediaKind) -> bytes:
        """Generated media from ``url`` (https, data:, or http on this machine), unauthenticated,
        checked against the role's content types and size cap."""
        cap = MAX_DOWNLOAD_BYTES[kind]
        if url.startswith("data:"):
            return self._data_uri(url, kind, cap)
        self._check_scheme(url)
        assert self._session is not None, "use `async with ProviderSession(...)`"
        try:
            async with self._session.get(url, allow_redirects=True, max_redirects=5) as response:
                self._check_scheme(str(response.url))
                headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status != 200:
                    reply = Reply(response.status, headers, await response.content.read(4096), url)
                    raise self.classify(reply, None)
                self._check_type(headers.get("content-type", ""), kind, url)
                if int(headers.get("content-length") or 0) > cap:
                    raise self._too_big(url, cap)
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > cap:
                        raise self._too_big(url, cap)
                    chunks.append(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self.transport_error(exc, url) from _safe_cause(exc)
        return b"".join(chunks)

    def media_body(self, reply: Reply, kind: MediaKind) -> bytes:
        """The bytes of a reply that is itself the media (speech, music), checked as downloads."""
        self._check_type(reply.headers.get("content-type", ""), kind, reply.url, reply)
        if len(reply.body) > MAX_DOWNLOAD_BYTES[kind]:
            raise self._too_big(reply.url, MAX_DOWNLOAD_BYTES[kind])
        if not reply.body:
            raise self.unexpected(reply, f"the {kind} is empty")
        return reply.body

    def _check_scheme(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
            return
        raise self.error(f"refusing to download {display_url(url)}: only https URLs are fetched",
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


def _edit_hint(prompt: str | None) -> str:
    quoted = quote_prompt(prompt)
    if not quoted:
        return "check the request's settings (model, params) in the Moviefile"
    return (f'edit this prompt (under prompts/ or in the Moviefile), or the model settings if '
            f'the message names one, and build again: "{quoted}"')


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
