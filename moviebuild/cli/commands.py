"""Every subcommand, each a thin click wrapper that imports its implementation when it runs."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--inquiry", required=True, help="What the movie is about.")
@click.option("--duration", type=int, default=60, show_default=True, help="Seconds (x10).")
@click.option("--force", is_flag=True, help="Overwrite an existing Moviefile.")
def init(folder: Path, inquiry: str, duration: int, force: bool) -> None:
    """Write a commented Moviefile.yaml into FOLDER."""
    from moviebuild.cli.init_cmd import write_moviefile

    path = write_moviefile(folder, inquiry=inquiry, duration=duration, force=force)
    click.echo(f"wrote {path}; edit it, then run `moviebuild -C {folder}`")


@click.command()
@click.argument("what", type=click.Choice(["moviefile", "timeline"]))
def schema(what: str) -> None:
    """Print the JSON Schema of the Moviefile or the timeline."""
    if what == "moviefile":
        from moviebuild.config.moviefile import Moviefile

        data = Moviefile.model_json_schema()
    else:
        from moviebuild.timeline.model import timeline_json_schema

        data = timeline_json_schema()
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
@click.pass_obj
def graph(obj: dict[str, object], fmt: str) -> None:
    """Draw the expanded job graph."""
    from moviebuild.cli.graph_cmd import draw_graph
    from moviebuild.project.movie import Movie

    folder = obj["folder"]
    assert isinstance(folder, Path)
    click.echo(draw_graph(Movie.open(folder).graph, fmt))


from moviebuild.cli.build_cmds import build, redo, reset  # noqa: E402
from moviebuild.cli.doctor_cmd import doctor  # noqa: E402
from moviebuild.cli.history_cmds import checkout, diff, gc, log  # noqa: E402
from moviebuild.cli.inspect_cmds import explain, status  # noqa: E402
from moviebuild.cli.preview_cmd import preview  # noqa: E402
from moviebuild.cli.render_cmd import render  # noqa: E402

ALL = [
    init,
    schema,
    graph,
    build,
    redo,
    reset,
    status,
    explain,
    log,
    diff,
    checkout,
    gc,
    render,
    doctor,
    preview,
]
