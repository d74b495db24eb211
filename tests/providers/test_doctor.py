"""``moviebuild doctor``: configured providers, base URLs and reachability, never a key."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from moviebuild.cli.doctor_cmd import doctor, doctor_report
from moviebuild.testing.emulators import OpenAIEmulator, ReplicateEmulator

from .conftest import FAKE_KEYS


def test_without_network_it_reports_keys_and_base_urls_only(
        provider_env: pytest.MonkeyPatch) -> None:
    provider_env.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])
    provider_env.setenv("FAL_BASE_URL", "https://user:pw@fal.example/queue?x=1")
    rows = {row["provider"]: row for row in doctor_report(check_network=False)}
    assert set(rows) == {"openai", "elevenlabs", "replicate", "fal", "offline"}
    rows.pop("offline")
    assert rows["openai"]["configured"] and not rows["elevenlabs"]["configured"]
    assert rows["openai"]["base_url"] == "https://api.openai.com/v1"
    assert rows["openai"]["base_url_env"] is None
    assert rows["fal"]["base_url"] == "https://fal.example/queue"
    assert rows["fal"]["base_url_env"] == "FAL_BASE_URL"
    assert all(row["reachable"] == "not-checked" for row in rows.values())


def test_reachability_is_checked_with_a_short_get(openai_emulator: OpenAIEmulator,
                                                  replicate_emulator: ReplicateEmulator,
                                                  provider_env: pytest.MonkeyPatch) -> None:
    provider_env.setenv("ELEVENLABS_BASE_URL", "http://127.0.0.1:9")
    provider_env.setenv("FAL_QUEUE_URL", "http://127.0.0.1:9")
    replicate_emulator.faults.add("account", "unauthorized")
    rows = {row["provider"]: row for row in doctor_report(check_network=True)}
    assert rows["openai"]["reachable"] == "yes" and rows["openai"]["auth"] == "accepted"
    assert openai_emulator.counters["models"] == 1
    assert rows["replicate"]["auth"] == "rejected"
    assert rows["elevenlabs"]["reachable"] == "no" and rows["fal"]["reachable"] == "no"


def test_the_command_prints_json_or_a_table_without_keys(
        openai_emulator: OpenAIEmulator, provider_env: pytest.MonkeyPatch) -> None:
    for var in ("ELEVENLABS_BASE_URL", "REPLICATE_BASE_URL", "FAL_QUEUE_URL"):
        provider_env.setenv(var, "http://127.0.0.1:9")
    runner = CliRunner()
    as_json = runner.invoke(doctor, ["--json", "--no-network"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)[0]["provider"] == "openai"
    table = runner.invoke(doctor, [])
    assert table.exit_code == 0 and "yes (OPENAI_API_KEY)" in table.output
    assert "set ELEVENLABS_API_KEY" in table.output
    for output in (as_json.output, table.output):
        assert FAKE_KEYS["openai"] not in output
