"""``moviebuild render``: the ffmpeg preview of the current revision, or the final movie through
the Remotion composition (``--engine remotion``), with progress."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option

_FRAMES = re.compile(r"^([0-9]{1,9})-([0-9]{1,9})$")


def _parse_frames(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, int] | None:
    if value is None:
        return None
    match = _FRAMES.match(value)
    if match is None or int(match.group(2)) < int(match.group(1)):
        raise click.BadParameter(
            "use START-END, inclusive frame numbers (0-59: the first 2 s at 30 fps)"
        )
    return int(match.group(1)), int(match.group(2))


@click.command()
@click.option("--engine", type=click.Choice(["ffmpeg", "remotion"]), default="ffmpeg",
              show_default=True,
              help="ffmpeg: out/preview.mp4, cached per clip. remotion: out/movie.mp4 from the "
                   "Remotion composition in remotion/ (needs Node, npm ci there, and Chromium).")
@click.option("--size", type=click.Choice(["480p", "720p", "1080p"]), default=None,
              help="Short side of the ffmpeg preview [default: the timeline's size, i.e. the "
                   "Moviefile's size]. Remotion renders at the timeline's size.")
@click.option("--browser", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Chromium for --engine remotion [default: /usr/bin/chromium].")
@click.option("--frames", callback=_parse_frames, default=None, metavar="START-END",
              help="--engine remotion: render only these frames (inclusive).")
@click.option("--captions/--no-captions", default=True, show_default=True,
              help="--engine remotion: draw the captions track.")
@click.option("--chunks/--no-chunks", default=True, show_default=True,
              help="--engine remotion: render the whole movie in cached chunks (a segment each, "
                   "transitions apart), reusing those an edit left alone.")
@json_option
@variant_option
@pass_cli
def render(
    context: CliContext,
    engine: str,
    size: str | None,
    browser: Path | None,
    frames: tuple[int, int] | None,
    captions: bool,
    chunks: bool,
) -> None:
    """Render out/preview.mp4 with ffmpeg (only changed segments are re-encoded), or
    out/movie.mp4 with Remotion."""
    folder = context.folder
    quiet = context.as_json
    if engine == "remotion":
        if context.variant:
            from moviebuild.project.variant import variant_folder

            context.open_movie()  # an unknown variant is an error before Remotion starts
            folder = variant_folder(folder, context.variant)
        if size is not None:
            raise click.UsageError("--size applies to the ffmpeg engine; Remotion renders at the "
                                   "timeline's size")
        _render_remotion(folder, browser=browser, frames=frames, captions=captions,
                         chunks=chunks, quiet=quiet)  # fmt: skip
        return
    if browser is not None or frames is not None or not captions or not chunks:
        raise click.UsageError(
            "--browser, --frames, --no-captions and --no-chunks need --engine remotion"
        )
    from moviebuild.project.movie import Movie
    from moviebuild.project.render import render_movie

    def progress(what: str, done: int, total: int) -> None:
        if not quiet:
            click.echo(f"[{done}/{total}] {what}", err=not sys.stdout.isatty())

    report = render_movie(
        Movie.open(folder, variant=context.variant), size=size, on_progress=progress
    )
    data = {
        "output": str(report.out_path),
        "rendered_segments": list(report.rendered),
        "reused_segments": list(report.reused),
        "duration_s": report.duration_s,
        "elapsed_s": round(report.total_elapsed_s, 3),
    }
    if quiet:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"wrote {report.out_path} ({report.duration_s:.1f} s of movie); re-encoded "
                   f"{len(report.rendered)} segment(s), reused "
                   f"{len(report.reused)}, in {report.total_elapsed_s:.1f} s")


def _render_remotion(
    folder: Path,
    *,
    browser: Path | None,
    frames: tuple[int, int] | None,
    captions: bool,
    chunks: bool,
    quiet: bool,
) -> None:
    from moviebuild.project.remotion import render_with_remotion

    def progress(what: str) -> None:
        if not quiet:
            click.echo(f"[remotion] {what}", err=not sys.stdout.isatty())

    report = render_with_remotion(
        folder, browser=browser, frames=frames, captions=captions, on_progress=progress,
        chunks=chunks,
    )
    data = {
        "output": str(report.out_path),
        "frames": report.frames,
        "fps": report.fps,
        "width": report.width,
        "height": report.height,
        "render_s": report.render_s,
        "frames_per_s": report.frames_per_s,
        "elapsed_s": round(report.total_elapsed_s, 3),
        "chunks": report.chunks,
        "chunks_rendered": report.chunks_rendered,
    }
    if quiet:
        click.echo(json.dumps(data, indent=2))
    else:
        if report.chunks:
            click.echo(f"rendered {report.chunks_rendered} of {report.chunks} chunks, reused "
                       f"the rest")  # fmt: skip
        click.echo(f"wrote {data['output']} ({report.frames} frames, {report.width}x"
                   f"{report.height} at {report.fps} fps); rendered at "
                   f"{report.frames_per_s:.1f} frames/s, {report.total_elapsed_s:.1f} s in all")
