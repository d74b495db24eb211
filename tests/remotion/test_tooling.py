"""Without Node, npm packages or Chromium the Remotion path stops with a message naming what is
missing and how to get it; nothing else in moviebuild needs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import cli
from moviebuild.cli.render_cmd import render
from moviebuild.errors import MediaError
from moviebuild.project.remotion import (
    build_is_stale,
    check_node_modules,
    find_browser,
    find_node,
    find_remotion_project,
)
from moviebuild.timeline import (
    AssetMap,
    SegmentSpan,
    Timeline,
    Tracks,
    dump_asset_map,
    dump_timeline,
)

# main() registers the commands when moviebuild runs; in-process tests add the one they use.
cli.add_command(render)


def built_movie(folder: Path) -> Path:
    out = folder / "out"
    out.mkdir(parents=True)
    timeline = Timeline(
        title="Silent", fps=30, width=640, height=360, duration_s=1.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=1.0),), tracks=Tracks(),
    )  # fmt: skip
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets={})))
    return folder


def test_a_missing_node_is_named_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOVIEBUILD_NODE", raising=False)
    monkeypatch.setenv("PATH", "")

    with pytest.raises(MediaError) as caught:
        find_node()

    assert "Node.js was not found" in caught.value.message
    assert caught.value.hint is not None and "Node 20" in caught.value.hint


def test_an_old_node_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old_node = tmp_path / "node"
    old_node.write_text("#!/bin/sh\necho v18.19.0\n")
    old_node.chmod(0o755)
    monkeypatch.setenv("MOVIEBUILD_NODE", str(old_node))

    with pytest.raises(MediaError, match=r"Node v18\.19\.0; Remotion needs 20 or later"):
        find_node()


def test_missing_npm_packages_point_at_the_setup(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")

    with pytest.raises(MediaError) as caught:
        check_node_modules(tmp_path)

    assert "npm packages are not installed" in caught.value.message
    assert caught.value.hint is not None and "npm ci" in caught.value.hint


def test_a_missing_chromium_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        find_browser(tmp_path / "no-chromium")

    assert "Chromium was not found" in caught.value.message
    assert caught.value.hint is not None
    assert "apt-get install chromium" in caught.value.hint and "--browser" in caught.value.hint


def test_the_remotion_project_is_found_beside_the_package() -> None:
    assert (find_remotion_project() / "src" / "Movie.tsx").is_file()


def test_the_build_is_stale_when_a_source_is_newer_than_dist(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "Movie.tsx"
    source.write_text("")
    assert build_is_stale(tmp_path), "no dist/ at all"
    (tmp_path / "dist").mkdir()
    stamp = tmp_path / "dist" / "BUILT"
    stamp.write_text("")
    os.utime(source, (1_000_000, 1_000_000))
    assert not build_is_stale(tmp_path)
    os.utime(source, None)
    os.utime(stamp, (1_000_000, 1_000_000))
    assert build_is_stale(tmp_path)


def test_render_with_remotion_without_node_fails_with_the_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = built_movie(tmp_path / "movie")
    monkeypatch.delenv("MOVIEBUILD_NODE", raising=False)
    monkeypatch.setenv("PATH", "")

    result = CliRunner().invoke(cli, ["-C", str(folder), "render", "--engine", "remotion"])

    assert result.exit_code == 1
    assert "error: Node.js was not found" in result.output
    assert "hint: install Node 20" in result.output


def test_render_with_remotion_before_a_build_says_to_build(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "render", "--engine", "remotion"])

    assert result.exit_code == 3
    assert "has no timeline.json" in result.output and "run `moviebuild`" in result.output


def test_remotion_only_options_need_the_remotion_engine(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "render", "--frames", "0-59"])

    assert result.exit_code == 2 and "need --engine remotion" in result.output


def test_importing_the_remotion_module_loads_no_server_or_event_loop() -> None:
    code = (
        "import sys, moviebuild.project.remotion, moviebuild.cli.preview_cmd; "
        "print(sorted(m for m in ('aiohttp', 'asyncio') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
