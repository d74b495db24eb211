"""The build panel's money in Debian's Chromium: a movie whose texts come from the OpenAI
emulator (which reports usage as OpenAI does) shows, per provider and in total, the estimate,
the bill, their difference and what reuse saved, exactly as the HTTP API's MovieState gives
them, with the price table's date and what every revision spent together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moviebuild.providers.endpoints import ENDPOINTS
from moviebuild.testing.emulators import OpenAIEmulator
from tests.studio.harness import Running, small_moviefile
from tests.studio.test_studio_e2e import shoot, sign_in, wait_for_revision

pytestmark = pytest.mark.studio_e2e


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIEmulator]:
    """The OpenAI emulator, where the server's builds (in this process) call it."""
    endpoint = ENDPOINTS["openai"]
    for var in (endpoint.key_env, *endpoint.base_envs):
        monkeypatch.delenv(var, raising=False)
    with OpenAIEmulator(key="sk-test-studio-money-0") as emulator:
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        yield emulator


def usd(value: float) -> str:
    """As the studio writes dollars: cents from $1, four decimals from a cent, six below."""
    size = abs(value)
    return f"${value:.{2 if size == 0 or size >= 1 else 4 if size >= 0.01 else 6}f}"


def shown(page: Any, row: str) -> dict[str, str]:
    cells = page.locator(f"[data-testid=spending] tr[data-provider='{row}'] [data-money]")
    return {cell.get_attribute("data-money"): cell.inner_text() for cell in cells.all()}


def signed(value: float) -> str:
    return ("−" if value < 0 else "+") + usd(abs(value))


def test_the_build_panel_shows_estimated_billed_difference_and_saved_per_provider(
    page: Any, studio: Running, screenshots: Path, openai: OpenAIEmulator
) -> None:
    moviefile = small_moviefile("Tell me about the money of lighthouses")
    moviefile["providers"] = {**moviefile["providers"], "text": {"adapter": "openai"}}
    movie = studio.api.call("POST", "/v1/movies", {"moviefile": moviefile})["id"]
    sign_in(page, studio, movie)
    wait_for_revision(page, 1)
    first = studio.api.call("GET", f"/v1/movies/{movie}")["cost"]
    paid = first["per_provider"]["openai"]
    assert paid["billed_usd"] > 0 and openai.billed
    assert shown(page, "openai") == {
        "estimated": usd(paid["estimated_usd"]), "billed": usd(paid["billed_usd"]),
        "difference": signed(paid["difference_usd"]), "saved": usd(0.0),
    }
    caption = page.locator("#spending-caption").inner_text()
    assert first["price_table"] and first["price_table"] in caption

    # A new take of one image prompt: the other texts are reused, and what that saved shows.
    studio.api.call("POST", f"/v1/movies/{movie}/builds",
                    {"redo": ["TextToImagePromptProducer[2]"]})
    wait_for_revision(page, 2)
    second = studio.api.call("GET", f"/v1/movies/{movie}")["cost"]
    paid = second["per_provider"]["openai"]
    assert 0 < paid["billed_usd"] < first["spent_usd"] and paid["saved_usd"] > 0
    assert shown(page, "total") == {
        "estimated": usd(second["ran_estimate_usd"]), "billed": usd(second["spent_usd"]),
        "difference": signed(second["difference_usd"]), "saved": usd(second["saved_usd"]),
    }
    assert shown(page, "openai")["saved"] == usd(paid["saved_usd"])
    total = page.get_by_test_id("total-spent").inner_text()
    assert usd(first["spent_usd"] + second["spent_usd"]) in total
    assert second["total_spent_usd"] == pytest.approx(first["spent_usd"] + second["spent_usd"])
    shoot(page, screenshots, "spending", "[data-testid=spending]")
