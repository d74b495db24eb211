"""A tenant's daily budget (``token create TENANT --daily-budget``): a build runs with what is
left of the day as its budget, and once the day's budget is spent the next build gets 402 with
the reset time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from moviebuild.providers.endpoints import ENDPOINTS, POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.server.budgets import next_reset
from moviebuild.testing.emulators import OpenAIEmulator
from tests.server.harness import Http, moviefile, running_server

PAID_TEXT = {"text": {"adapter": "openai"}, "speech": {"adapter": "fake"},
             "music": {"adapter": "fake"}, "image": {"adapter": "fake"},
             "video": {"adapter": "fake"}}


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIEmulator]:
    for endpoint in ENDPOINTS.values():
        for var in (endpoint.key_env, *endpoint.base_envs):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(POLL_INTERVAL_ENV, "0.005")
    monkeypatch.setenv(TIMEOUT_ENV, "10")
    with OpenAIEmulator(key="sk-test-daily-0000") as emulator:
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        yield emulator


def test_a_tenant_over_its_daily_budget_gets_402_with_the_reset_time(
    tmp_path: Path, openai: OpenAIEmulator
) -> None:
    # Every answer bills 20,000 times its words: the first script call alone passes $1.
    openai.usage_factor = 20_000
    with running_server(tmp_path / "root") as running:
        _, token = running.server.tokens.create("alice", daily_budget_usd=1.0)
        alice = Http(running.base_url, token)
        created = alice.post("/v1/movies", {"moviefile": moviefile(providers=PAID_TEXT)})
        assert created.status == 201, created.json()
        movie_id = created.json()["id"]
        alice.wait_for_build(movie_id)
        state = alice.get(f"/v1/movies/{movie_id}").json()
        assert state["status"] == "incomplete"
        assert state["cost"]["budget"].startswith("budget reached: $")
        assert state["cost"]["spent_usd"] > 1.0
        served = sum(openai.served.values())

        refused = alice.post(f"/v1/movies/{movie_id}/builds", {})
        assert refused.status == 402, refused.json()
        problem = refused.json()
        assert problem["error"] == "daily-budget-reached"
        reset = next_reset(dt.datetime.now(dt.UTC))
        assert reset.isoformat(timespec="seconds") in problem["message"]
        headers = {k.lower(): v for k, v in refused.headers.items()}
        assert 0 < int(headers["retry-after"]) <= 86_400
        assert headers["x-budget-reset"] == reset.isoformat()
        assert sum(openai.served.values()) == served, "nothing was called"

        # Another tenant, without a budget, is not held by alice's.
        bob = running.as_tenant("bob")
        other = bob.post("/v1/movies", {"moviefile": moviefile()})
        assert other.status == 201


def test_token_create_keeps_the_daily_budget(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from moviebuild.cli.main import _register, cli

    _register()
    root = str(tmp_path / "root")
    made = CliRunner().invoke(cli, ["token", "create", "acme", "--daily-budget", "20",
                                    "--root", root, "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["daily_budget_usd"] == 20
    listed = json.loads(CliRunner().invoke(cli, ["token", "list", "--root", root,
                                                 "--json"]).output)
    assert [t["daily_budget_usd"] for t in listed] == [20]
    bad = CliRunner().invoke(cli, ["token", "create", "acme", "--daily-budget", "-1",
                                   "--root", root])
    assert bad.exit_code == 2
