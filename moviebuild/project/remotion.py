"""The Remotion path: finds Node, the ``remotion/`` project and Chromium, renders ``out/movie.mp4``
with the composition, and serves ``moviebuild preview``'s Player page.

Everything here shells out to ``remotion/`` (see docs/remotion.md); nothing is imported from it,
so the rest of moviebuild works without Node. Each missing piece is a MediaError naming it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from moviebuild.errors import MediaError, StoreError
from moviebuild.project.export import OUT_DIR
from moviebuild.project.folder_files import remove_file

DEFAULT_BROWSER: Final = Path("/usr/bin/chromium")
MIN_NODE_MAJOR: Final = 20
#: Sources whose change makes ``remotion/dist`` stale (rebuilt before the next render).
_BUILD_INPUTS: Final = ("src", "scripts", "preview", "schema", "package-lock.json")
_SETUP_HINT: Final = "run `.ci/remotion-setup` (as root) or `npm ci` in {project}"


@dataclass(frozen=True)
class RemotionReport:
    """A finished Remotion render; ``frames_per_s`` counts rendering and encoding only.
    ``chunks`` and ``chunks_rendered`` count the chunks of a chunked render (0 for a whole one)."""

    out_path: Path
    frames: int
    fps: int
    width: int
    height: int
    render_s: float
    frames_per_s: float
    total_elapsed_s: float
    chunks: int = 0
    chunks_rendered: int = 0


def find_remotion_project() -> Path:
    """``$MOVIEBUILD_REMOTION_DIR``, else the ``remotion/`` folder beside the package's source."""
    explicit = os.environ.get("MOVIEBUILD_REMOTION_DIR")
    project = Path(explicit) if explicit else Path(__file__).resolve().parents[2] / "remotion"
    if not (project / "package.json").is_file():
        raise MediaError(
            f"the Remotion project was not found at {project}",
            hint="use moviebuild from a source checkout, or set MOVIEBUILD_REMOTION_DIR to its "
            "remotion/ folder",
        )
    return project


def find_node() -> str:
    """``$MOVIEBUILD_NODE`` or ``node`` on PATH, at least version 20."""
    node = os.environ.get("MOVIEBUILD_NODE") or shutil.which("node")
    if not node:
        raise MediaError(
            "Node.js was not found on PATH; the Remotion renderer and preview need it",
            hint=f"install Node {MIN_NODE_MAJOR} or later (e.g. apt-get install nodejs npm), "
            "or use `moviebuild render` with the ffmpeg engine",
        )
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise MediaError(f"could not run {node} --version: {exc}") from exc
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise MediaError(
            f"{node} is Node {version or 'of an unknown version'}; Remotion needs "
            f"{MIN_NODE_MAJOR} or later",
            hint=f"install Node {MIN_NODE_MAJOR} or later",
        )
    return node


def find_browser(explicit: Path | None = None) -> Path:
    """The Chromium Remotion drives: ``explicit``, ``$MOVIEBUILD_BROWSER``, /usr/bin/chromium.

    Remotion is never allowed to download a browser of its own.
    """
    from_env = os.environ.get("MOVIEBUILD_BROWSER")
    browser = explicit or (Path(from_env) if from_env else DEFAULT_BROWSER)
    if not browser.is_file():
        raise MediaError(
            f"Chromium was not found at {browser}; Remotion renders in it and may not "
            "download one",
            hint="install Debian's chromium (apt-get install chromium), or pass --browser PATH",
        )
    return browser


def check_node_modules(project: Path) -> None:
    """Fails naming the missing step when ``npm ci`` has not been run in ``project``."""
    needed = ("@remotion/renderer", "@remotion/bundler", "@remotion/player", "esbuild")
    missing = [name for name in needed if not (project / "node_modules" / name).is_dir()]
    if missing:
        raise MediaError(
            f"the Remotion project's npm packages are not installed ({', '.join(missing)} "
            f"missing under {project / 'node_modules'})",
            hint=_SETUP_HINT.format(project=project),
        )


def _newest_mtime(paths: Iterator[Path]) -> float:
    return max((path.stat().st_mtime for path in paths if path.is_file()), default=0.0)


def build_is_stale(project: Path) -> bool:
    """True when ``dist/`` is missing or older than any source it is built from."""
    stamp = project / "dist" / "BUILT"
    if not stamp.is_file():
        return True
    sources = (
        path
        for name in _BUILD_INPUTS
        for path in ((project / name).rglob("*") if (project / name).is_dir() else [project / name])
    )
    return _newest_mtime(sources) > stamp.stat().st_mtime


def ensure_built(
    project: Path, node: str, on_progress: Callable[[str], None] | None = None
) -> None:
    """Runs ``npm run build``'s script when ``dist/`` is stale (half a minute, mostly webpack)."""
    if not build_is_stale(project):
        return
    check_node_modules(project)
    if on_progress:
        on_progress("building the Remotion bundle and the preview page")
    done = subprocess.run(
        [node, "scripts/build.mjs"], cwd=project, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise MediaError(
            f"building the Remotion project failed: {tail}",
            hint=f"run `npm run build` in {project} to see the whole error",
        )


def _movie_documents(folder: Path) -> tuple[Path, Path]:
    out = folder / OUT_DIR
    timeline, assets = out / "timeline.json", out / "assets.json"
    if not timeline.is_file() or not assets.is_file():
        raise StoreError(
            f"{out} has no timeline.json and assets.json",
            hint="run `moviebuild` until the TimelineAssembler succeeds",
        )
    return timeline, assets


def render_with_remotion(
    folder: Path,
    *,
    browser: Path | None = None,
    frames: tuple[int, int] | None = None,
    captions: bool = True,
    out_path: Path | None = None,
    on_progress: Callable[[str], None] | None = None,
    chunks: bool = True,
    parallel: int | None = None,
) -> RemotionReport:
    """Render ``out/movie.mp4`` (or ``out_path``) from ``out/timeline.json`` with Remotion.

    ``frames`` is an inclusive range of frame numbers; None renders the whole movie, in cached
    chunks (remotion_chunks.py, ``parallel`` at once) unless ``chunks`` is false.
    """
    started = time.monotonic()
    timeline, assets = _movie_documents(folder)
    project = find_remotion_project()
    node = find_node()
    chromium = find_browser(browser)
    check_node_modules(project)
    ensure_built(project, node, on_progress)
    if frames is None and chunks:
        from moviebuild.project.remotion_chunks import render_chunked

        done = render_chunked(
            folder, project=project, node=node, chromium=chromium, captions=captions,
            out_path=out_path, parallel=parallel, on_progress=on_progress,
            run=lambda command, rerun: _run_render(
                command, rerun=rerun, project=project, on_progress=on_progress
            ),
        )  # fmt: skip
        return RemotionReport(
            out_path=done.out_path, frames=done.frames, fps=done.fps, width=done.width,
            height=done.height, render_s=done.render_s, frames_per_s=done.frames_per_s,
            total_elapsed_s=done.total_elapsed_s, chunks=done.chunks,
            chunks_rendered=done.rendered,
        )  # fmt: skip
    if out_path is None:
        remove_file(folder, f"{OUT_DIR}/.movie.partial.mp4")  # refuses an `out/` that is a link
    target = (out_path or folder / OUT_DIR / "movie.mp4").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moviebuild-remotion-") as scratch:
        summary = Path(scratch) / "summary.json"
        # Remotion writes into scratch; the movie is replaced only after a successful render.
        partial = Path(scratch) / "movie.mp4"
        script = [node, str(project / "dist" / "render.mjs"), "--timeline", str(timeline.resolve()),
                  "--assets", str(assets.resolve()), "--browser", str(chromium)]  # fmt: skip
        if frames is not None:
            script += ["--frames", f"{frames[0]}-{frames[1]}"]
        if not captions:
            script.append("--no-captions")
        _run_render(
            [*script, "--output", str(partial), "--summary", str(summary)],
            rerun=[*script, "--output", str(target)],
            project=project,
            on_progress=on_progress,
        )
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MediaError(f"the Remotion render wrote no summary: {exc}") from exc
        shutil.move(partial, target)
    return RemotionReport(
        out_path=target,
        frames=int(data["frames"]),
        fps=int(data["fps"]),
        width=int(data["width"]),
        height=int(data["height"]),
        render_s=float(data["render_s"]),
        frames_per_s=float(data["frames_per_s"]),
        total_elapsed_s=time.monotonic() - started,
    )


def _run_render(
    command: list[str],
    *,
    rerun: list[str],
    project: Path,
    on_progress: Callable[[str], None] | None,
) -> None:
    # Remotion logs to both streams; progress lines are ours, the rest is kept for errors.
    recent: deque[str] = deque(maxlen=40)
    try:
        process = subprocess.Popen(
            command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except OSError as exc:
        raise MediaError(f"could not start the Remotion render: {exc}") from exc
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            text = line.rstrip()
            if text.startswith("rendering ") and on_progress:
                on_progress(text)
            elif text:
                recent.append(text)
    if process.returncode != 0:
        lines = list(recent)
        # The script's own message starts with "error:" and may go on for a few lines.
        first = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
        detail = lines[first:] if first is not None else lines[-3:]
        message = "\n".join(detail).removeprefix("error: ")
        raise MediaError(
            f"the Remotion render failed: {message}",
            hint=f"for Remotion's whole log, run in {project}: {shlex.join(rerun)}",
        )


def serve_preview(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the Player page and ``out/`` at http://host:port/ until interrupted."""
    _movie_documents(folder)
    project = find_remotion_project()
    if build_is_stale(project):
        ensure_built(project, find_node())
    page = project / "dist" / "preview"
    import asyncio

    try:
        asyncio.run(_serve(page, folder / OUT_DIR, host, port, on_ready))
    except OSError as exc:
        raise MediaError(
            f"cannot serve the preview on {host}:{port}: {exc}", hint="pass another --port"
        ) from exc


async def _serve(
    page: Path, out: Path, host: str, port: int, on_ready: Callable[[str], None] | None
) -> None:
    import asyncio

    from aiohttp import web
    from aiohttp.typedefs import Handler

    @web.middleware
    async def no_store(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        # A rebuilt movie must show on reload, never a cached timeline or image.
        response.headers["Cache-Control"] = "no-store"
        return response

    async def index(_: web.Request) -> web.FileResponse:
        return web.FileResponse(page / "index.html")

    app = web.Application(middlewares=[no_store])
    app.router.add_get("/", index)
    app.router.add_static("/movie/", out)
    app.router.add_static("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        if on_ready:
            on_ready(f"http://{bound_host}:{bound_port}/")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
