"""Shared fixtures: movie folders with a Moviefile, and builds with the fake adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from moviebuild.graph import NodeId
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildReport
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter

#: Offline text (deterministic, predictable in dry runs), fake media (instant, counted).
FAKE_MEDIA = {
    "speech": {"adapter": "fake"},
    "music": {"adapter": "fake"},
    "image": {"adapter": "fake"},
    "video": {"adapter": "fake"},
}


#: Tests that share something heavy run on one pytest-xdist worker: the PostgreSQL cluster (one
#: per worker otherwise), the studio's Chromium and bundle, Remotion's node project and example
#: movie. Every other test is scheduled on its own.
_WORKER_GROUPS = {"distributed": "postgres", "studio": "chromium-studio", "remotion": "remotion"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` by folder. (xdist's own loadgroup reads ``xdist_group`` marks into
    the test ids, which pytest 9 no longer takes, so every test ran wherever it fell.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FolderGroups(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped here
        def _split_scope(self, nodeid: str) -> str:
            parts = nodeid.split("::", 1)[0].split("/")
            if len(parts) > 2 and parts[0] == "tests" and parts[1] in _WORKER_GROUPS:
                return _WORKER_GROUPS[parts[1]]
            return nodeid

    return FolderGroups(config, log)


@pytest.fixture(autouse=True)
def usage_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test learns token counts from its own history file, never the user's."""
    path = tmp_path / "usage-history.jsonl"
    monkeypatch.setenv("MOVIEBUILD_USAGE_HISTORY", str(path))
    return path


def write_moviefile(folder: Path, **fields: Any) -> Path:
    data: dict[str, Any] = {"inquiry": "Tell me about the Civil War", "duration": 60}
    data.update(fields)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Moviefile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


MovieFactory = Callable[..., Path]


@pytest.fixture
def movie_folder(tmp_path: Path) -> MovieFactory:
    """Write a Moviefile (fake media unless ``providers`` is given); returns the folder."""

    def make(**fields: Any) -> Path:
        fields.setdefault("providers", FAKE_MEDIA)
        write_moviefile(tmp_path / "movie", **fields)
        return tmp_path / "movie"

    return make


def run_build(
    folder: Path,
    fake: FakeAdapter | None = None,
    *,
    redo: Iterable[NodeId] = (),
    overrides: dict[str, str] | None = None,
    **options: Any,
) -> BuildReport:
    """Build ``folder`` through the public API with the fake adapter on a manual clock."""
    fake = fake or FakeAdapter(clock=ManualClock())
    changes = Changes(overrides=overrides or {}, redo=[str(job) for job in redo])
    return Movie.open(folder).build(
        changes, adapters={"fake": fake}, clock=fake.clock, **options
    )


def require_fonts(reason: str) -> None:
    """Skip a test for a font the machine lacks (``tests/preflight.py`` names it before the
    run), or fail when ``MOVIEBUILD_REQUIRE_FONTS=1`` (CI, after ``.ci/speech-setup``)."""
    import os

    if os.environ.get("MOVIEBUILD_REQUIRE_FONTS") == "1":
        pytest.fail(f"{reason} (MOVIEBUILD_REQUIRE_FONTS=1)")
    pytest.skip(reason)
