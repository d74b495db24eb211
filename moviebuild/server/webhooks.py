"""Webhooks: a tenant (for all its movies) or one movie may register an https URL that receives
each build-finished event, signed with HMAC-SHA256 and retried with backoff. A webhook never
reaches inside: loopback, link-local (cloud metadata), private and reserved addresses are refused
at registration and at every hop of every delivery (``providers/guard.py``); loopback only with
``moviebuild serve --allow-loopback-webhooks``, for local development.

Each delivery is a POST of JSON with two headers: ``Moviebuild-Timestamp`` (Unix seconds) and
``Moviebuild-Signature: v1=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` under the secret
returned when the webhook was registered. ``docs/server.md`` shows how to verify it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from aiohttp.abc import AbstractResolver

from moviebuild.project.folder_files import write_secret_atomically
from moviebuild.providers.endpoints import display_url
from moviebuild.providers.guard import GuardedResolver, RefusedAddress, refusal_reason
from moviebuild.server.backend import MovieRef
from moviebuild.server.models import BuildDocument, Webhook

log = logging.getLogger("moviebuild.server")

ATTEMPTS = 5
FIRST_DELAY_S = 2.0
#: Redirects a delivery follows (307/308 only: they keep the POST), each hop checked anew.
MAX_REDIRECTS = 3
LOOPBACK_FLAG = "--allow-loopback-webhooks"
#: How long a registration waits for DNS before leaving the check to the deliveries.
RESOLVE_TIMEOUT_S = 5.0

Sleep = Callable[[float], Awaitable[None]]
#: Makes the DNS resolver deliveries use (every answer is checked by ``GuardedResolver``).
ResolverFactory = Callable[[], AbstractResolver]


def check_url(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why ``url`` cannot receive webhooks, or None: https to a public host only. Loopback
    (including plain http to it) only when the server runs with ``--allow-loopback-webhooks``
    for local development; link-local (cloud metadata), private and reserved addresses never."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        return "a webhook URL must be https://..."
    reason = refusal_reason(url, allow_loopback=allow_loopback)
    if reason is None:
        return None
    if parts.scheme == "http" and reason.startswith("only https"):
        return "a webhook URL must be https://..." + (
            "" if allow_loopback else f" (plain http only to this machine, with {LOOPBACK_FLAG})")
    if not allow_loopback and refusal_reason(url, allow_loopback=True) is None:
        return f"{reason}; webhooks to this machine need `moviebuild serve {LOOPBACK_FLAG}`"
    return reason


async def check_resolved(url: str, *, allow_loopback: bool,
                         resolver: AbstractResolver | None = None) -> str | None:
    """Why ``url``'s host resolves only to addresses webhooks may not reach, or None. A name
    that does not resolve (yet) passes: each delivery resolves and checks it again."""
    host = urlsplit(url).hostname or ""
    guarded = GuardedResolver(allow_loopback=allow_loopback, inner=resolver)
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            await guarded.resolve(host, 443, socket.AF_UNSPEC)
    except RefusedAddress as exc:
        return str(exc)
    except (OSError, TimeoutError):
        return None
    finally:
        await guarded.close()
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_path(folder: Path) -> Path:
    return folder / "webhook.json"


def save_webhook(folder: Path, url: str) -> Webhook:
    hook = Webhook(url=url, secret=f"whsec_{secrets.token_urlsafe(24)}")
    write_secret_atomically(webhook_path(folder), hook.model_dump_json())
    return hook


def read_webhook(folder: Path) -> Webhook | None:
    path = webhook_path(folder)
    try:
        return Webhook.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class RefusedHop(Exception):
    """A delivery was pointed (by its URL or a redirect) at an address webhooks may not reach."""


class WebhookSender:
    """Delivers build-finished events to the movie's and its tenant's webhooks. Every hop of a
    delivery is checked like a registration (``check_url``), and its host is resolved by a
    ``GuardedResolver``, so the address that was checked is the one connected to (a name that
    later resolves to this machine or its network is refused, not followed)."""

    def __init__(self, tenant_folder: Callable[[str], Path], sleep: Sleep = asyncio.sleep, *,
                 allow_loopback: bool = False,
                 resolver_factory: ResolverFactory | None = None) -> None:
        self._tenant_folder = tenant_folder
        self._sleep = sleep
        self.allow_loopback = allow_loopback
        self._resolver_factory = resolver_factory
        self._tasks: set[asyncio.Task[bool]] = set()

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be registered here, or None (the checks every delivery makes)."""
        why = check_url(url, allow_loopback=self.allow_loopback)
        if why is None:
            inner = self._resolver_factory() if self._resolver_factory else None
            why = await check_resolved(url, allow_loopback=self.allow_loopback, resolver=inner)
        return why

    def __call__(self, ref: MovieRef, build: BuildDocument) -> None:
        hooks = [read_webhook(ref.records), read_webhook(self._tenant_folder(ref.tenant))]
        payload = {
            "type": "build-finished",
            "tenant": ref.tenant,
            "movie": ref.movie_id,
            "build": build.model_dump(mode="json"),
        }
        body = json.dumps(payload, sort_keys=True).encode()
        for hook in {h.url: h for h in hooks if h is not None and h.secret}.values():
            task = asyncio.get_running_loop().create_task(self.deliver(hook, body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def deliver(self, hook: Webhook, body: bytes) -> bool:
        """POST ``body`` until a 2xx answer or ``ATTEMPTS`` tries; True when delivered. A URL or
        redirect pointing where webhooks may not go ends the delivery at once."""
        delay_s = FIRST_DELAY_S
        secret = hook.secret or ""
        for attempt in range(1, ATTEMPTS + 1):
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "Moviebuild-Timestamp": str(timestamp),
                "Moviebuild-Signature": sign(secret, timestamp, body),
            }
            try:
                status = await self._post(hook.url, body, headers)
            except RefusedHop as exc:
                log.warning("webhook %s: not delivered: %s", display_url(hook.url), exc)
                return False
            if status is not None and 200 <= status < 300:
                return True
            reason = f"HTTP {status}" if status is not None else "no answer"
            log.warning("webhook %s: attempt %d failed (%s)", display_url(hook.url), attempt,
                        reason)
            if attempt < ATTEMPTS:
                await self._sleep(delay_s)
                delay_s *= 2
        return False

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int | None:
        """One delivery attempt: the final status, or None when the transport failed."""
        import aiohttp

        resolver = GuardedResolver(
            allow_loopback=self.allow_loopback,
            inner=self._resolver_factory() if self._resolver_factory else None,
        )
        hop = url
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver),
                timeout=aiohttp.ClientTimeout(total=10),
            ) as session:
                for _ in range(MAX_REDIRECTS + 1):
                    why = check_url(hop, allow_loopback=self.allow_loopback)
                    if why is not None:
                        raise RefusedHop(f"{display_url(hop)}: {why}")
                    async with session.post(hop, data=body, headers=headers,
                                            allow_redirects=False) as response:
                        location = response.headers.get("Location")
                        if response.status not in (307, 308) or not location:
                            return response.status
                        hop = urljoin(hop, location)
                raise RefusedHop(f"more than {MAX_REDIRECTS} redirects")
        except RefusedAddress as exc:
            raise RefusedHop(f"{display_url(hop)}: {exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("webhook %s: %s", display_url(hop), type(exc).__name__)
            return None
