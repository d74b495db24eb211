"""Reading the four providers' error bodies and rate-limit headers: the human message and machine
code of an error, and how long a 429 asks us to wait. Pure parsing; the decision whether an
error is retryable is made in ``http.py``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Mapping
from typing import Any

_SECONDS_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", re.IGNORECASE)
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
#: OpenAI's "Please try again in 644ms." / "... in 1m9.696s." (a Go duration in the message).
_TRY_AGAIN_IN = re.compile(r"try again in\s+((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.IGNORECASE)
_RESET_HEADERS = ("ratelimit-reset", "x-ratelimit-reset", "x-ratelimit-reset-requests",
                  "x-ratelimit-reset-tokens")


def provider_message(body: bytes) -> tuple[str, str | None]:
    """The human message and machine code in any of the four providers' error bodies."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300], None
    if not isinstance(data, dict):
        return str(data)[:300], None
    error, detail = data.get("error"), data.get("detail")
    if isinstance(error, dict):
        code = error.get("code") or error.get("type")
        return str(error.get("message") or error), str(code) if code else None
    if isinstance(detail, dict):
        return str(detail.get("message") or detail), detail.get("status") or detail.get("code")
    if isinstance(detail, list):
        parts, code = [], None
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", [])[1:])
                parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
                code = code or item.get("type")
        return "; ".join(parts), code
    text = detail if isinstance(detail, str) else error if isinstance(error, str) else None
    title = data.get("title")
    if text and title:
        text = f"{title}: {text}"
    code = data.get("error_type") or data.get("code")
    return str(text or title or data.get("message") or data)[:500], str(code) if code else None


def provider_suggestion(body: bytes) -> str | None:
    """What the provider suggests writing instead, when its refusal says: ElevenLabs music's
    ``detail.data.prompt_suggestion`` (a ``bad_prompt``) or ``composition_plan_suggestion`` (a
    ``bad_composition_plan``, shown as compact JSON)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    extra = detail.get("data") if isinstance(detail, dict) else None
    if not isinstance(extra, dict):
        return None
    for name in ("prompt_suggestion", "composition_plan_suggestion"):
        value = extra.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:500]
        if isinstance(value, dict | list) and value:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))[:500]
    return None


def retry_after_s(headers: Mapping[str, str], message: str = "", *,
                  throttled: bool = True) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or retry-after-ms; for a 429
    (``throttled``) else from the providers' rate-limit reset headers or a "resets in ~30s"
    phrase in the message, which say nothing about a server error. OpenAI's requests and
    tokens resets both count (the later one wins: a tokens-per-minute limit can be minutes
    away while the requests limit resets in milliseconds)."""
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                now = (email.utils.parsedate_to_datetime(headers["date"])
                       if "date" in headers else None)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                now = now or dt.datetime.now(dt.UTC)
                return max(0.0, (when - now).total_seconds())
    if not throttled:
        return None
    found: list[float] = []
    for name in _RESET_HEADERS:
        if name in headers:
            seconds = _duration_s(headers[name])
            if seconds is not None:
                found.append(seconds)
    try_again = _TRY_AGAIN_IN.search(message)
    match = _SECONDS_IN_TEXT.search(message)
    if try_again:
        found.append(_duration_s(try_again.group(1)) or 0.0)
    elif match:
        found.append(float(match.group(1)))
    # Replicate sends both a reset header and "resets in ~30s"; waiting for the later is safe.
    return max(found) if found else None


def _duration_s(value: str) -> float | None:
    """Seconds in ``"12"``, ``"1.5"``, ``"120ms"`` or ``"6m0s"``; None when unreadable."""
    value = value.strip()
    parts = _GO_DURATION.findall(value)
    if parts and "".join(n + u for n, u in parts) == value:
        return sum(float(n) * _UNIT_S[unit] for n, unit in parts)
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
