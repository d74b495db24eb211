"""``moviebuild render``: the ffmpeg preview of the current revision, with progress."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option("--size", type=click.Choice(["480p", "720p", "1080p"]), default="720p",
              show_default=True, help="Short side of the preview.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def render(obj: dict[str, Any], size: str, as_json: bool) -> None:
    """Render out/preview.mp4 with ffmpeg (only changed segments are re-encoded)."""
    from moviebuild.project.movie import Movie
    from moviebuild.project.render import render_movie

    folder = obj["folder"]
    assert isinstance(folder, Path)
    quiet = as_json or bool(obj.get("json"))

    def progress(what: str, done: int, total: int) -> None:
        if not quiet:
            click.echo(f"[{done}/{total}] {what}", err=not sys.stdout.isatty())

    report = render_movie(Movie.open(folder), size=size, on_progress=progress)
    data: dict[str, Any] = {
        "output": str(report.out_path),
        "rendered_segments": list(report.rendered),
        "reused_segments": list(report.reused),
        "duration_s": report.duration_s,
        "elapsed_s": round(report.total_elapsed_s, 3),
    }
    if quiet:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"wrote {data['output']} ({data['duration_s']:.1f} s of movie); re-encoded "
                   f"{len(data['rendered_segments'])} segment(s), reused "
                   f"{len(data['reused_segments'])}, in {data['elapsed_s']:.1f} s")
