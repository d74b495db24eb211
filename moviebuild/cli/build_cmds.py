"""``build`` (with ``--set`` overrides), ``redo`` and ``reset``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from moviebuild.errors import ConfigError


def _folder(obj: dict[str, Any]) -> Path:
    folder = obj["folder"]
    assert isinstance(folder, Path)
    return folder


@click.command("build")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="ID=TEXT",
    help="Override a text artifact, e.g. 'SegmentImagePrompt[3][2]=a red lighthouse'.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def build(obj: dict[str, Any], assignments: tuple[str, ...], as_json: bool) -> None:
    """Build the movie, with optional overrides."""
    from moviebuild.cli.build import run_build
    from moviebuild.project.movie import Movie

    overrides = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals:
            raise ConfigError(
                f"--set {assignment!r} needs ID=TEXT",
                hint="e.g. --set 'SegmentNarration[2]=New words'",
            )
        overrides[name.strip()] = value
    movie = Movie.open(_folder(obj), overrides=overrides)
    raise SystemExit(run_build(movie.folder, as_json=as_json or bool(obj.get("json")), movie=movie))


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def redo(obj: dict[str, Any], ids: tuple[str, ...], as_json: bool) -> None:
    """A new take of these jobs only (job or artifact ids); dependents follow if output differs."""
    from moviebuild.cli.build import run_build
    from moviebuild.graph import parse_node_id
    from moviebuild.project.movie import Movie

    movie = Movie.open(_folder(obj))
    jobs = [movie.graph.resolve(parse_node_id(text)).id for text in ids]
    raise SystemExit(
        run_build(movie.folder, as_json=as_json or bool(obj.get("json")), redo=jobs, movie=movie)
    )


@click.command()
@click.argument("target")
@click.pass_obj
def reset(obj: dict[str, Any], target: str) -> None:
    """Hand a pinned slot back to the generator: a prompts/ PATH or an artifact ID."""
    from moviebuild.project.movie import Movie
    from moviebuild.project.prompts import reset_slots

    done = reset_slots(Movie.open(_folder(obj)), target)
    if not done:
        click.echo(f"{target}: nothing is pinned there")
        return
    click.echo(f"reset {', '.join(done)}; the next build uses the generated text")
