"""Drives headless Chromium over the DevTools protocol (aiohttp's websocket client), for the
preview page test: open a URL, wait for a condition in the page, take a screenshot."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

#: What this closed network needs: no sandbox as root, no GPU, and none of the background
#: connections (updates, sync, first-run pings) Chromium would otherwise try.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)


class DevToolsPage:
    """One page of a Chromium started with --remote-debugging-port=0."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._socket.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self._socket.receive_json()
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    async def evaluate(self, expression: str) -> Any:
        reply = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                value = await self.evaluate(expression)
            except RuntimeError:
                value = None  # the page is navigating (a reload): its context went away
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never satisfied {expression}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def open_page(
    browser: Path, size: tuple[int, int] = (1000, 760), timeout_s: float = 60.0
) -> AsyncIterator[DevToolsPage]:
    """A headless Chromium with one page at about:blank, driven over DevTools."""
    # Chromium's helper processes may still write into the profile as it exits.
    with tempfile.TemporaryDirectory(
        prefix="moviebuild-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [str(browser), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--window-size={size[0]},{size[1]}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout_s
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Chromium did not open its DevTools port")
                await asyncio.sleep(0.05)
            port = port_file.read_text().split()[0]
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = json.loads(await response.text())
                page_target = next(target for target in targets if target["type"] == "page")
                async with session.ws_connect(
                    page_target["webSocketDebuggerUrl"], max_msg_size=0
                ) as socket:
                    page = DevToolsPage(socket)
                    await page.call("Page.enable")
                    yield page
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _screenshot(
    browser: Path, url: str, ready: str, out: Path, size: tuple[int, int], timeout_s: float
) -> Any:
    async with open_page(browser, size, timeout_s) as page:
        await page.call("Page.navigate", url=url)
        value = await page.wait_for(ready, timeout_s)
        shot = await page.call("Page.captureScreenshot", format="png")
        out.write_bytes(base64.b64decode(shot["data"]))
        return value


def screenshot_when(
    browser: Path,
    url: str,
    *,
    ready: str,
    out: Path,
    size: tuple[int, int] = (1000, 760),
    timeout_s: float = 60.0,
) -> Any:
    """Open ``url``, wait until the JavaScript ``ready`` is truthy, save a PNG; return its value."""
    return asyncio.run(_screenshot(browser, url, ready, out, size, timeout_s))
