"""The shared HTTP layer: error classification, Retry-After parsing, error bodies of every
provider, and the safe downloader (scheme, content type, size cap, no key sent)."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest

from moviebuild.errors import ProviderError
from moviebuild.providers import http as http_module
from moviebuild.providers.endpoints import OPENAI, display_url
from moviebuild.providers.error_bodies import provider_message, retry_after_s
from moviebuild.providers.http import ProviderSession, Reply
from moviebuild.testing.emulators import OpenAIEmulator

from .conftest import FAKE_KEYS

KEY = FAKE_KEYS["openai"]


@pytest.fixture
def session(provider_env: pytest.MonkeyPatch) -> ProviderSession:
    provider_env.setenv("OPENAI_API_KEY", KEY)
    return ProviderSession(OPENAI, "SegmentImage[2][1]", timeout_s=1.0)


def _reply(status: int, body: Any = None, **headers: str) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, {k.replace("_", "-"): v for k, v in headers.items()}, raw,
                 "https://api.openai.com/v1/images/generations")


@pytest.mark.parametrize(("headers", "message", "expected"), [
    ({"retry-after": "12"}, "", 12.0),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT", "date": "Wed, 21 Oct 2015 07:28:00 GMT"},
     "", 30.0),
    ({"retry-after-ms": "1500", "retry-after": "9"}, "", 1.5),
    ({"ratelimit-reset": "4"}, "", 4.0),
    ({"x-ratelimit-reset-requests": "6m0s"}, "", 360.0),
    ({"x-ratelimit-reset-requests": "20ms"}, "", 0.02),
    ({}, "Request was throttled. Your rate limit resets in ~30s.", 30.0),
    ({}, "Expected available in 7 seconds.", 7.0),
    ({}, "slow down", None),
    ({"ratelimit-reset": "1"}, "Your rate limit resets in ~30s.", 30.0),
])
def test_retry_after_is_read_from_every_provider_signal(headers: dict[str, str], message: str,
                                                        expected: float | None) -> None:
    assert retry_after_s(headers, message) == pytest.approx(expected)


@pytest.mark.parametrize(("body", "message", "code"), [
    ({"error": {"message": "Bad size", "type": "invalid_request_error", "code": "invalid_value"}},
     "Bad size", "invalid_value"),
    ({"detail": {"status": "voice_not_found", "message": "No such voice"}}, "No such voice",
     "voice_not_found"),
    ({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "missing"}]},
     "text: field required", "missing"),
    ({"title": "Input validation failed", "detail": "- input.steps: too big", "status": 422},
     "Input validation failed: - input.steps: too big", None),
    ({"detail": "Request timed out", "error_type": "request_timeout"}, "Request timed out",
     "request_timeout"),
    (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>", None),
])
def test_each_providers_error_body_gives_its_message_and_code(body: Any, message: str,
                                                              code: str | None) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert provider_message(raw) == (message, code)


@pytest.mark.parametrize(("reply", "retryable", "retry_after", "hint_has"), [
    (_reply(401, {"error": {"message": "bad key"}}), False, None, "OPENAI_API_KEY"),
    (_reply(403, {"detail": "forbidden"}), False, None, "OPENAI_API_KEY"),
    (_reply(400, {"error": {"message": "bad", "code": "content_policy_violation"}}), False, None,
     "a red fox"),
    (_reply(422, {"detail": [{"loc": ["body", "prompt"], "msg": "nsfw",
                              "type": "content_policy_violation"}]}), False, None, "a red fox"),
    (_reply(404, {"error": {"message": "no such model"}}), False, None, "model name"),
    (_reply(402, {"title": "Insufficient credit", "detail": "add credit"}), False, None, "credit"),
    (_reply(429, {"error": {"message": "slow", "type": "requests"}}, retry_after="3"), True, 3.0,
     None),
    (_reply(429, {"error": {"message": "quota", "code": "insufficient_quota"}}), False, None,
     "quota"),
    (_reply(500, {"error": {"message": "oops"}}), True, None, None),
    (_reply(503, {"error": {"message": "overloaded"}}, retry_after="2"), True, 2.0, None),
    (_reply(500, {"detail": "bad input", "error_type": "x"}, x_fal_retryable="false"), False,
     None, None),
    (_reply(408, b"timeout"), True, None, None),
])
def test_replies_are_classified_once_at_the_boundary(
        session: ProviderSession, reply: Reply, retryable: bool, retry_after: float | None,
        hint_has: str | None) -> None:
    error = session.classify(reply, "a red fox in deep snow")
    assert error.retryable is retryable
    assert error.retry_after_s == retry_after
    assert error.message.startswith("SegmentImage[2][1]: openai: ")
    assert f"HTTP {reply.status}" in error.message
    if hint_has:
        assert hint_has in (error.hint or "")


def test_a_key_echoed_by_the_provider_is_scrubbed(session: ProviderSession) -> None:
    error = session.classify(_reply(401, {"error": {"message": f"Incorrect key {KEY}"}}), None)
    assert KEY not in error.message and "[redacted]" in error.message


def test_either_half_of_an_id_secret_key_is_scrubbed(provider_env: pytest.MonkeyPatch) -> None:
    from moviebuild.providers.endpoints import FAL

    provider_env.setenv("FAL_KEY", "key-id-1234:secret-5678-abcd")
    fal = ProviderSession(FAL, "Job", timeout_s=1.0)
    assert fal.scrub("bad secret-5678-abcd for key-id-1234") == "bad [redacted] for [redacted]"


def test_reset_headers_say_nothing_about_server_errors() -> None:
    assert retry_after_s({"ratelimit-reset": "4"}, "resets in 9s", throttled=False) is None
    assert retry_after_s({"retry-after": "4"}, throttled=False) == 4


def test_the_prompt_in_a_hint_is_cut_to_120_characters(session: ProviderSession) -> None:
    refusal = {"error": {"message": "no", "code": "content_policy_violation"}}
    error = session.classify(_reply(400, refusal), "word " * 100)
    quoted = (error.hint or "").split('"')[1]
    assert len(quoted) == 121 and quoted.endswith("…")


def test_the_request_id_is_named_in_errors(session: ProviderSession) -> None:
    error = session.classify(_reply(500, {"error": {"message": "x"}}, x_request_id="req_42"), None)
    assert "request id req_42" in error.message


def test_display_urls_lose_credentials_and_queries() -> None:
    assert display_url("https://user:pw@host:8443/v1?key=1#x") == "https://host:8443/v1"


def _download(url: str, kind: http_module.MediaKind = "image") -> bytes:
    async def run() -> bytes:
        async with ProviderSession(OPENAI, "Job[1]", timeout_s=1.0) as session:
            return await session.download(url, kind)

    return asyncio.run(run())


def test_downloads_fetch_local_http_without_sending_the_key(
        openai_emulator: OpenAIEmulator) -> None:
    url = openai_emulator.publish(b"\x89PNG fake", "image/png", "a.png")
    assert _download(url) == b"\x89PNG fake"
    assert [r.sent_key for r in openai_emulator.requests] == [False]


def test_downloads_tolerate_octet_stream_and_refuse_other_types(
        openai_emulator: OpenAIEmulator) -> None:
    assert _download(openai_emulator.publish(b"x", "application/octet-stream", "a.bin")) == b"x"
    with pytest.raises(ProviderError, match="text/html, not image") as caught:
        _download(openai_emulator.publish(b"<html>", "text/html", "a.html"))
    assert not caught.value.retryable


def test_downloads_stop_at_the_size_cap(openai_emulator: OpenAIEmulator,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(http_module.MAX_DOWNLOAD_BYTES, "video", 1000)
    url = openai_emulator.publish(b"0" * 5000, "video/mp4", "big.mp4")
    with pytest.raises(ProviderError, match="larger than") as caught:
        _download(url, "video")
    assert not caught.value.retryable


def test_a_missing_download_is_a_typed_error(openai_emulator: OpenAIEmulator) -> None:
    with pytest.raises(ProviderError, match="HTTP 404") as caught:
        _download(f"{openai_emulator.url}/files/nothing-here.png")
    assert not caught.value.retryable


@pytest.mark.parametrize("url", ["http://example.com/a.png", "ftp://example.com/a.png",
                                 "file:///etc/passwd"])
def test_downloads_refuse_plain_http_to_other_hosts(provider_env: pytest.MonkeyPatch,
                                                    url: str) -> None:
    provider_env.setenv("OPENAI_API_KEY", KEY)
    with pytest.raises(ProviderError, match="only https") as caught:
        _download(url)
    assert not caught.value.retryable


def test_data_uris_are_decoded_and_type_checked(provider_env: pytest.MonkeyPatch) -> None:
    provider_env.setenv("OPENAI_API_KEY", KEY)
    encoded = base64.b64encode(b"\x89PNG data").decode()
    assert _download(f"data:image/png;base64,{encoded}") == b"\x89PNG data"
    with pytest.raises(ProviderError, match="not audio"):
        _download(f"data:image/png;base64,{encoded}", "audio")


def test_the_key_is_never_sent_to_another_origin(openai_emulator: OpenAIEmulator) -> None:
    async def run() -> None:
        async with ProviderSession(OPENAI, "Job[1]", timeout_s=1.0) as session:
            await session.call("GET", "https://elsewhere.example/v1/models")

    with pytest.raises(ProviderError, match="refusing to send the OPENAI_API_KEY key"):
        asyncio.run(run())
    assert not openai_emulator.requests


def test_a_short_placeholder_key_for_a_local_server_does_not_garble_messages(
        provider_env: pytest.MonkeyPatch) -> None:
    provider_env.setenv("OPENAI_API_KEY", "x")
    local = ProviderSession(OPENAI, "TextToMusicPromptProducer", timeout_s=1.0)
    assert local.scrub("TextToMusicPromptProducer: max_tokens") == (
        "TextToMusicPromptProducer: max_tokens")
