"""What real providers answer and what moviebuild makes of it: each body below is a provider's
documented or publicly reported reply (the source is cited), replayed into the classification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from moviebuild.errors import ProviderError
from moviebuild.providers.endpoints import ELEVENLABS, FAL, OPENAI, ProviderEndpoint
from moviebuild.providers.error_bodies import retry_after_s
from moviebuild.providers.http import ProviderSession, Reply

from .conftest import FAKE_KEYS

PROMPT = "a red fox in deep snow"


def _classify(endpoint: ProviderEndpoint, status: int, body: Any,
              monkeypatch: pytest.MonkeyPatch, url: str | None = None,
              **headers: str) -> ProviderError:
    monkeypatch.setenv(endpoint.key_env, FAKE_KEYS[endpoint.name])
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = Reply(status, {k.replace("_", "-"): v for k, v in headers.items()}, raw,
                  url or endpoint.default_base_url)
    return ProviderSession(endpoint, "Job[1]", timeout_s=1.0).classify(reply, PROMPT)


# https://github.com/home-assistant/core/issues/160414 (ElevenLabs, 401)
ELEVENLABS_QUOTA = {"detail": {"status": "quota_exceeded", "message": "This request exceeds your "
                               "quota of 10000. You have 0 credits remaining, while 91 credits "
                               "are required for this request."}}
# https://github.com/openai-php/client/issues/565 (OpenAI, 403)
OPENAI_VERIFY = {"error": {"message": "Your organization must be verified to use the model "
                           "`gpt-image-1`. Please go to: https://platform.openai.com/settings/"
                           "organization/general and click on Verify Organization. If you just "
                           "verified, it can take up to 15 minutes for access to propagate.",
                           "type": "invalid_request_error", "param": None, "code": None}}
# https://github.com/fal-ai/fal/issues/1147 (fal, 403)
FAL_BALANCE = {"detail": "User is locked. Reason: Exhausted balance. Top up your balance at "
                         "fal.ai/dashboard/billing."}
# OpenAI's strict-mode rejection of a schema keyword (400 invalid_request_error).
OPENAI_BAD_SCHEMA = {"error": {"message": "Invalid schema for response_format 'ScriptProducer': "
                               "In context=('properties', 'title'), 'minLength' is not "
                               "permitted.", "type": "invalid_request_error",
                               "param": "response_format", "code": None}}


@pytest.mark.parametrize(("endpoint", "status", "body", "hint_has"), [
    (ELEVENLABS, 401, ELEVENLABS_QUOTA, "add credit"),
    (FAL, 403, FAL_BALANCE, "add credit"),
    (OPENAI, 403, OPENAI_VERIFY, "verify the openai organization"),
    (OPENAI, 400, OPENAI_BAD_SCHEMA, "a moviebuild bug"),
    (OPENAI, 400, {"error": {"message": "Unknown parameter: 'foo'.", "code": "unknown_parameter"}},
     "not the prompt"),
    (OPENAI, 401, {"error": {"message": "Incorrect API key provided"}}, "OPENAI_API_KEY"),
])
def test_hints_name_the_real_cause_read_from_the_body(
        provider_env: pytest.MonkeyPatch, endpoint: ProviderEndpoint, status: int, body: Any,
        hint_has: str) -> None:
    error = _classify(endpoint, status, body, provider_env)
    assert not error.retryable
    assert hint_has in (error.hint or "")
    if hint_has != f"{endpoint.key_env}":
        assert "was rejected" not in error.message
    assert PROMPT not in (error.hint or "")


@pytest.mark.parametrize(("headers", "message", "expected"), [
    # A tokens-per-minute limit: the requests reset is near, the tokens reset minutes away.
    ({"x-ratelimit-reset-requests": "120ms", "x-ratelimit-reset-tokens": "6m0s"}, "", 360.0),
    # https://github.com/BuilderIO/micro-agent/issues/86
    ({}, "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit "
         "30000, Used 29937, Requested 385. Please try again in 644ms.", 0.644),
    # https://github.com/Pythagora-io/gpt-pilot/pull/608
    ({}, "Rate limit reached for gpt-4-turbo-preview in organization org-xxx on tokens per day "
         "(TPD): Limit 1500000, Used 1485066, Requested 16144. Please try again in 1m9.696s.",
     69.696),
])
def test_openai_rate_limits_wait_as_long_as_the_headers_and_body_say(
        headers: dict[str, str], message: str, expected: float) -> None:
    assert retry_after_s(headers, message) == pytest.approx(expected)


@pytest.mark.parametrize("retry_after", ["100000", "inf", "Fri, 01 Jan 2100 00:00:00 GMT"])
def test_a_wait_past_the_cap_fails_the_job_for_this_build_naming_the_time(
        provider_env: pytest.MonkeyPatch, retry_after: str) -> None:
    error = _classify(OPENAI, 429, {"error": {"message": "Rate limit reached"}}, provider_env,
                      retry_after=retry_after)
    assert not error.retryable and error.retry_after_s is None
    assert "asks to wait" in error.message and "longer than the 600 s" in error.message
    assert "MOVIEBUILD_MAX_RETRY_AFTER_S" in (error.hint or "")


def test_the_retry_after_cap_is_configurable(provider_env: pytest.MonkeyPatch) -> None:
    provider_env.setenv("MOVIEBUILD_MAX_RETRY_AFTER_S", "5")
    error = _classify(OPENAI, 503, {"error": {"message": "busy"}}, provider_env, retry_after="9")
    assert not error.retryable and "9 s" in error.message
    provider_env.setenv("MOVIEBUILD_MAX_RETRY_AFTER_S", "10")
    assert _classify(OPENAI, 503, {}, provider_env, retry_after="9").retry_after_s == 9


# OpenAI's strict structured outputs refusing the schema itself, as reported from
# api.openai.com: https://github.com/dottxt-ai/outlines/issues/844 ("Invalid schema for
# response_format 'default': In context=(), 'additionalProperties' is required to be supplied
# and to be false.", invalid_request_error, param response_format) and
# https://github.com/mavam/pi-web-providers/issues/14 (the same, code invalid_json_schema).
OPENAI_SCHEMA_REFUSED = {"error": {
    "message": "Invalid schema for response_format 'default': In context=(), "
               "'additionalProperties' is required to be supplied and to be false.",
    "type": "invalid_request_error", "param": "response_format", "code": "invalid_json_schema"}}


@pytest.mark.parametrize("body", [OPENAI_SCHEMA_REFUSED, OPENAI_BAD_SCHEMA])
def test_an_invalid_schema_on_api_openai_com_blames_moviebuilds_schema(
        provider_env: pytest.MonkeyPatch, body: Any) -> None:
    error = _classify(OPENAI, 400, body, provider_env,
                      url="https://api.openai.com/v1/chat/completions")
    assert not error.retryable
    assert "refused the JSON schema moviebuild sent" in error.message
    assert "moviebuild bug" in (error.hint or "") and "report it" in (error.hint or "")
    assert "use a server with strict" not in (error.hint or "")
    # The same words from another OpenAI-compatible server mean it lacks the feature.
    local = _classify(OPENAI, 400, body, provider_env,
                      url="http://127.0.0.1:8080/v1/chat/completions")
    assert "cannot do JSON-schema structured output" in local.message
    assert "llama-server" in (local.hint or "")


# ElevenLabs music refusing a prompt that names copyrighted material: a 400 whose
# detail.status is bad_prompt with detail.data.prompt_suggestion (composition plans:
# bad_composition_plan with composition_plan_suggestion), and no suggestion for harmful material.
# Shape and suggestion as documented in https://elevenlabs.io/docs/cookbooks/music/quickstart
# ("Copyrighted material"; the Python example reads e.body['detail']['data']['prompt_suggestion']).
SUGGESTION = ("An epic rock ballad with dramatic tempo changes, operatic harmonies, and a "
              "narrative structure that blends melancholy with bursts of theatrical intensity.")
ELEVENLABS_BAD_PROMPT = {"detail": {
    "status": "bad_prompt",
    "message": "The prompt references copyrighted material. Try the suggested prompt instead.",
    "data": {"prompt_suggestion": SUGGESTION}}}
ELEVENLABS_BAD_PLAN = {"detail": {
    "status": "bad_composition_plan",
    "message": "The composition plan references copyrighted material.",
    "data": {"composition_plan_suggestion": {"positive_global_styles": ["epic rock ballad"],
                                             "negative_global_styles": [], "sections": []}}}}
ELEVENLABS_TOS = {"detail": {
    "status": "bad_prompt",
    "message": "The prompt violates our Terms of Service and cannot be used."}}


@pytest.mark.parametrize(("body", "suggested"), [
    (ELEVENLABS_BAD_PROMPT, SUGGESTION[:60]),
    (ELEVENLABS_BAD_PLAN, "epic rock ballad"),
    (ELEVENLABS_TOS, None),
    ({"detail": {"status": "invalid_input", "message": "This prompt goes against our Terms of "
                 "Service."}}, None),
])
def test_elevenlabs_music_refusals_ask_to_edit_the_prompt_and_quote_the_suggestion(
        provider_env: pytest.MonkeyPatch, body: Any, suggested: str | None) -> None:
    error = _classify(ELEVENLABS, 400, body, provider_env)
    assert not error.retryable
    assert "refused by the content policy" in error.message
    hint = error.hint or ""
    assert hint.startswith("edit this prompt") and PROMPT in hint
    if suggested is None:
        assert "suggests" not in hint
    else:
        assert "the provider suggests instead" in hint and suggested in hint
