"""`moviebuild preview` end to end: the server starts, and headless Chromium shows the example
movie's frame in @remotion/player. Skipped, with the reason, when the Remotion tools are absent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from tests.remotion.chromium import open_page, screenshot_when
from tests.remotion.conftest import RemotionTools
from tests.remotion.frames import extract_frame, mean_abs_diff

# Registered directly, so this test runs `preview` whatever the command table holds
# (add_command replaces a command of the same name).
_RUN_PREVIEW = """
import sys
from moviebuild.cli.main import cli
from moviebuild.cli.preview_cmd import preview
cli.add_command(preview)
sys.argv = ["moviebuild", *sys.argv[1:]]
cli()
"""

# Ready once the page says so and every image the Player shows has been decoded; the value is
# the player's box in the page, in CSS pixels.
_PLAYER_READY = """(() => {
  const state = document.body ? document.body.dataset.state : undefined;
  if (state === 'error') return {error: document.getElementById('error').textContent};
  if (state !== 'ready') return null;
  const images = [...document.querySelectorAll('#player img')];
  const decoded = images.every((image) => image.complete && image.naturalWidth > 0);
  if (images.length === 0 || !decoded) return null;
  const box = document.querySelector('#player > div').getBoundingClientRect();
  return {left: box.left, top: box.top, width: box.width, height: box.height};
})()"""


@pytest.fixture
def preview_url(
    remotion_tools: RemotionTools, example_movie: Path, tmp_path: Path
) -> Iterator[str]:
    errors = tmp_path / "preview.stderr"
    with errors.open("w") as stderr, subprocess.Popen(
        [sys.executable, "-c", _RUN_PREVIEW, "-C", str(example_movie), "preview", "--port", "0"],
        stdout=subprocess.PIPE, stderr=stderr, text=True,
        env={**os.environ, "MOVIEBUILD_DEBUG": "1"},
    ) as process:  # fmt: skip
        assert process.stdout is not None
        stdout = process.stdout
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(stdout.readline()))
        reader.start()
        reader.join(timeout=60)
        try:
            line = first_line[0] if first_line else ""
            assert " at http://127.0.0.1:" in line, (
                f"no URL from preview: {line!r}\n{errors.read_text()}"
            )
            yield line.split(" at ")[1].split()[0]
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_preview_page_plays_the_movie_in_the_remotion_player(
    preview_url: str, remotion_tools: RemotionTools, example_movie: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "preview.png"
    frame = 45

    box = screenshot_when(
        remotion_tools.browser, f"{preview_url}?frame={frame}&controls=0",
        ready=_PLAYER_READY, out=shot,
    )  # fmt: skip

    assert "error" not in box, box["error"]
    player = Image.open(shot).convert("RGB").crop(
        (round(box["left"]), round(box["top"]),
         round(box["left"] + box["width"]), round(box["top"] + box["height"]))
    )  # fmt: skip
    reference = extract_frame(example_movie / "out" / "preview.mp4", frame)
    shown = player.resize(reference.size, Image.Resampling.BOX)
    assert max(ImageStat.Stat(shown).stddev) > 10, "the player shows a blank picture"
    # The Player scales the 854x480 frame to the page width in the browser, and the screenshot
    # is scaled back here: two more resamplings than the render comparison. Measured 1.8/255;
    # the bound is 4/255 because the same image 45 frames earlier (4.5 % less zoom) already
    # differs by 6.4/255, another image by 11/255 or more, and a blank player by over 130/255.
    assert mean_abs_diff(shown, reference) < 4.0, json.dumps(box)


def test_the_preview_page_fits_the_window_and_reloads_after_a_rebuild(
    preview_url: str, remotion_tools: RemotionTools, example_movie: Path
) -> None:
    timeline_path = example_movie / "out" / "timeline.json"
    original = timeline_path.read_bytes()

    async def drive() -> tuple[Any, Any]:
        async with open_page(remotion_tools.browser, size=(1000, 500)) as page:
            await page.call("Page.navigate", url=f"{preview_url}?frame=30&controls=0")
            box = await page.wait_for(_PLAYER_READY, 60)
            # A rebuild rewrites out/timeline.json (a link replaced, as the export does).
            rebuilt = json.loads(original)
            rebuilt["title"] = "Rebuilt while watching"
            replacement = timeline_path.with_suffix(".new")
            replacement.write_text(json.dumps(rebuilt))
            replacement.replace(timeline_path)
            title = await page.wait_for(
                "document.body.dataset.state === 'ready' && "
                "document.getElementById('title').textContent === 'Rebuilt while watching' && "
                "location.search",
                30,
            )
            return box, title

    try:
        box, search = asyncio.run(drive())
    finally:
        timeline_path.write_bytes(original)
    assert "error" not in box, box["error"]
    assert box["top"] + box["height"] <= 500 and box["left"] + box["width"] <= 1000
    assert "frame=" in search
