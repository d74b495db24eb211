"""Webhooks: a tenant (for all its movies) or one movie may register an https URL that receives
each build-finished event, signed with HMAC-SHA256 and retried with backoff.

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
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from moviebuild.project.folder_files import write_secret_atomically
from moviebuild.server.backend import MovieRef
from moviebuild.server.models import BuildDocument, Webhook

log = logging.getLogger("moviebuild.server")

ATTEMPTS = 5
FIRST_DELAY_S = 2.0
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

Sleep = Callable[[float], Awaitable[None]]


def check_url(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None. https only (plain http to this machine is
    allowed, for development)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return None
    return "a webhook URL must be https://..."


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


class WebhookSender:
    """Delivers build-finished events to the movie's and its tenant's webhooks."""

    def __init__(self, tenant_folder: Callable[[str], Path], sleep: Sleep = asyncio.sleep) -> None:
        self._tenant_folder = tenant_folder
        self._sleep = sleep
        self._tasks: set[asyncio.Task[bool]] = set()

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
        """POST ``body`` until a 2xx answer or ``ATTEMPTS`` tries; True when delivered."""
        import aiohttp

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
                async with aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=10)
                ) as session, session.post(hook.url, data=body, headers=headers) as response:
                    if 200 <= response.status < 300:
                        return True
                    reason = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = type(exc).__name__
            log.warning("webhook %s: attempt %d failed (%s)", hook.url, attempt, reason)
            if attempt < ATTEMPTS:
                await self._sleep(delay_s)
                delay_s *= 2
        return False
