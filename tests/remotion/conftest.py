"""Fixtures for the Remotion tests: the tools they need (skipping with the reason when absent),
and the example movie built once with the offline providers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from moviebuild.errors import MediaError

REPO = Path(__file__).resolve().parents[2]
REMOTION = REPO / "remotion"
SETUP_HINT = "run .ci/remotion-setup (as root) to install chromium and remotion/node_modules"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip, or fail when MOVIEBUILD_REQUIRE_REMOTION=1 (CI, after .ci/remotion-setup)."""
    if os.environ.get("MOVIEBUILD_REQUIRE_REMOTION") == "1":
        pytest.fail(f"{reason} (MOVIEBUILD_REQUIRE_REMOTION=1)")
    pytest.skip(reason)


@dataclass(frozen=True)
class RemotionTools:
    project: Path
    node: str
    browser: Path


@pytest.fixture(scope="session")
def node_project() -> tuple[Path, str]:
    """remotion/ with its npm packages installed and dist/ built; skips when they are absent."""
    from moviebuild.project.remotion import (
        check_node_modules,
        ensure_built,
        find_node,
        find_remotion_project,
    )

    try:
        project = find_remotion_project()
        check_node_modules(project)
        node = find_node()
    except MediaError as exc:
        skip_or_fail(f"{exc.message} ({SETUP_HINT})")
    ensure_built(project, node)
    return project, node


@pytest.fixture(scope="session")
def remotion_tools(node_project: tuple[Path, str]) -> RemotionTools:
    """Everything a Remotion render needs, or a skip naming what is missing."""
    from moviebuild.project.remotion import find_browser

    try:
        browser = find_browser()
    except MediaError as exc:
        skip_or_fail(f"{exc.message} ({SETUP_HINT})")
    project, node = node_project
    return RemotionTools(project=project, node=node, browser=browser)


def run_moviebuild(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process (a real run, as a user types it)."""
    done = subprocess.run(
        [sys.executable, "-m", "moviebuild", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, "MOVIEBUILD_DEBUG": "1"},
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"moviebuild {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def example_movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Moviefile.example.yaml built with the offline providers, with out/preview.mp4 rendered
    by ffmpeg at the timeline's own size (480p), so its frames line up with Remotion's."""
    folder = tmp_path_factory.mktemp("example") / "movie"
    folder.mkdir()
    shutil.copyfile(REPO / "Moviefile.example.yaml", folder / "Moviefile.yaml")
    run_moviebuild("-C", str(folder))
    run_moviebuild("-C", str(folder), "render", "--size", "480p")
    return folder
