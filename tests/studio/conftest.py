"""Fixtures for the studio's end-to-end tests: Debian's Chromium driven by Playwright for Python
(``executable_path``, never a downloaded browser), one server for the module, and a folder for
the screenshots (``build/studio-screenshots/``, or ``$MOVIEBUILD_STUDIO_ARTIFACTS``). These tests
fail, naming what is missing, when Chromium or Playwright is absent: ``.ci/studio-setup``
installs both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.studio.harness import Running, running_server

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MOVIEBUILD_BROWSER", "/usr/bin/chromium"))
SETUP_HINT = (
    "run .ci/studio-setup (as root), or `apt-get install chromium` and `pip install -e .[dev]`"
)

#: What this closed network needs: no sandbox as root, no GPU, none of Chromium's background
#: connections (updates, sync, first-run pings).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--mute-audio",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this
    thread while it is open, so it must close before other modules call ``asyncio.run``."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium was not found at {CHROMIUM}; {SETUP_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright for Python is not installed; {SETUP_HINT}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_server(tmp_path_factory.mktemp("root")) as running:
        yield running


@pytest.fixture
def page(browser: Any, studio: Running) -> Iterator[Any]:
    """A fresh browser context at 1280x800 (its own cookies and session storage)."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(60_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"the page threw: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    default = REPO / "build" / "studio-screenshots"
    folder = Path(os.environ.get("MOVIEBUILD_STUDIO_ARTIFACTS", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
