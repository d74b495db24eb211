"""Deciding what a provider's non-accepted reply means for the job: retryable or not, how long to
wait (capped), and a hint that names the real cause, read from the body: quota and billing,
account verification, an invalid request (not the user's prompt), a content refusal, a server
that lacks a feature, or a transient failure. It builds no exception; ``http.py`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from moviebuild.providers.endpoints import OPENAI, env_float
from moviebuild.providers.error_bodies import provider_message, provider_suggestion, retry_after_s

#: The longest a build waits when a provider asks it to (Retry-After and its relatives).
MAX_RETRY_AFTER_ENV = "MOVIEBUILD_MAX_RETRY_AFTER_S"
DEFAULT_MAX_RETRY_AFTER_S = 600.0

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-fal-request-id", "x-amzn-requestid")
#: ``bad_prompt`` / ``bad_composition_plan``: ElevenLabs music refusing a prompt (copyrighted
#: material, https://elevenlabs.io/docs/cookbooks/music/quickstart#copyrighted-material).
_REFUSAL_CODES = ("content_policy_violation", "content_filter", "safety", "moderation", "nsfw",
                  "bad_prompt", "bad_composition_plan")
_REFUSAL_WORDS = ("content policy", "safety system", "flagged", "nsfw", "sensitive",
                  "content checker", "moderation", "terms of service")
#: A rate limit may speak of a "quota per minute"; only these words mean money or plan limits.
_BILLING_WORDS = ("insufficient_quota", "quota_exceeded", "exceeds your quota",
                  "exceeded your current quota", "exhausted balance", "billing",
                  "insufficient credit", "insufficient_credit", "credits remaining", "top up",
                  "payment required")
_OPENAI_HOST = urlsplit(OPENAI.default_base_url).hostname
_VERIFICATION_WORDS = ("must be verified", "verify organization", "organization verification")
#: What OpenAI-compatible servers answer when they lack strict JSON-schema output.
_UNSUPPORTED_FORMAT_WORDS = ("response_format", "json_schema")


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


@dataclass(frozen=True)
class Verdict:
    """What one reply means. ``refusal``: the user must edit the prompt (the hint quotes it)."""

    message: str
    retryable: bool
    retry_after_s: float | None = None
    hint: str | None = None
    refusal: bool = False
    suggestion: str | None = None


def max_retry_after_s() -> float:
    """$MOVIEBUILD_MAX_RETRY_AFTER_S, else 600 s."""
    return env_float(MAX_RETRY_AFTER_ENV, DEFAULT_MAX_RETRY_AFTER_S)


def is_refusal(message: str, code: str | None) -> bool:
    lowered = message.lower()
    return bool(code and any(w in code.lower() for w in _REFUSAL_CODES)) or any(
        w in lowered for w in _REFUSAL_WORDS)


def is_billing(message: str, code: str | None) -> bool:
    text = f"{code or ''} {message}".lower()
    return any(w in text for w in _BILLING_WORDS)


def is_unsupported_response_format(message: str) -> bool:
    """A server saying it cannot do ``response_format: json_schema`` (whatever its status)."""
    lowered = message.lower()
    return all(w in lowered for w in _UNSUPPORTED_FORMAT_WORDS) or (
        "invalid schema for response_format" in lowered)


def classify_reply(reply: Reply, *, provider: str, key_env: str) -> Verdict:
    """The error table of docs/providers.md for one reply the adapter did not accept."""
    status = reply.status
    message, code = provider_message(reply.body)
    text = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    flag = reply.headers.get("x-fal-retryable") or reply.headers.get("x-fal-needs-retry")
    if is_unsupported_response_format(message) and status in (400, 422, 500, 501):
        if urlsplit(reply.url).hostname == _OPENAI_HOST:
            # OpenAI itself does strict JSON-schema output: it is refusing moviebuild's schema.
            return Verdict(text + "; OpenAI refused the JSON schema moviebuild sent",
                           retryable=False, hint=_OWN_SCHEMA_HINT)
        return Verdict(text + "; the server cannot do JSON-schema structured output",
                       retryable=False, hint=_UNSUPPORTED_FORMAT_HINT)
    if status == 402 or (status in (401, 403, 429) and is_billing(message, code)):
        return Verdict(text, retryable=False,
                       hint=f"add credit or raise the quota of the {provider} account")
    if status in (401, 403) and any(w in message.lower() for w in _VERIFICATION_WORDS):
        return Verdict(text, retryable=False,
                       hint=f"verify the {provider} organization as the message says, or "
                            "choose a model that does not need it")
    if status in (401, 403):
        return Verdict(f"{text}; the key in {key_env} was rejected", retryable=False,
                       hint=f"set {key_env} to a valid key with access to this model")
    if status == 429:
        return _wait_verdict(text, reply, message, retryable=flag != "false", throttled=True)
    if status >= 500 or status in (408, 409, 425):
        return _wait_verdict(text, reply, message, retryable=flag != "false", throttled=False)
    if is_refusal(message, code):
        return Verdict(f"refused by the content policy: {text}", retryable=False, refusal=True,
                       suggestion=provider_suggestion(reply.body))
    if status == 404:
        return Verdict(text, retryable=False, hint="check the model name and the base URL")
    return Verdict(text, retryable=False, hint=INVALID_REQUEST_HINT)


INVALID_REQUEST_HINT = (
    "the provider rejected the request itself, not the prompt: check the model and params in "
    "the Moviefile; if they are right, the server lacks a feature moviebuild uses or this is a "
    "moviebuild bug (report it with the request id)")
_OWN_SCHEMA_HINT = (
    "a moviebuild bug, not the Moviefile or the server: the JSON schema moviebuild sent breaks "
    "OpenAI's strict structured-output rules; report it with the request id. Until it is fixed, "
    "`params: {structured_output: json_object}` on this provider entry avoids the schema")
_UNSUPPORTED_FORMAT_HINT = (
    "use a server with strict JSON-schema output (llama.cpp's llama-server, vLLM, Ollama), or "
    "set `params: {structured_output: json_object}` on this provider entry (see "
    "docs/providers.md, Local models)")


def _wait_verdict(text: str, reply: Reply, message: str, *, retryable: bool,
                  throttled: bool) -> Verdict:
    """A retryable verdict whose wait is capped; beyond the cap the job fails for this build
    and says when the provider expects to take it again."""
    wait_s = retry_after_s(reply.headers, message, throttled=throttled)
    cap_s = max_retry_after_s()
    if not retryable or wait_s is None or wait_s <= cap_s:
        return Verdict(text, retryable=retryable, retry_after_s=wait_s)
    return Verdict(
        f"{text}; the provider asks to wait {describe_wait(wait_s)}, longer than the "
        f"{cap_s:g} s a build waits", retryable=False,
        hint=f"build again after that (this job reruns then), or raise {MAX_RETRY_AFTER_ENV}")


def describe_wait(seconds: float) -> str:
    """``seconds`` for a person: "6 min 0 s (until 14:05 UTC)", "forever" for inf."""
    if seconds != seconds or seconds == float("inf") or seconds > 1e9:
        return "indefinitely"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    amount = f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return f"{amount} (until {until:%Y-%m-%d %H:%M} UTC)"
