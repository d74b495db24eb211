"""What every command is handed: the movie folder and the options of the ``moviebuild`` group,
as one typed object (``pass_cli``), and the ``--json`` option every reporting command shares."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from moviebuild.project.movie import Movie

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliContext:
    """``folder``: the movie folder (``-C``); ``as_json``: print data, not text (``--json``
    before or after the command); ``budget_usd``: ``--budget``; ``server`` and ``movie_id``: a
    movie on a ``moviebuild serve`` instead of the folder (``--server``, ``--movie``)."""

    folder: Path = Path(".")
    as_json: bool = False
    budget_usd: float | None = None
    server: str | None = None
    movie_id: str | None = None
    variant: str | None = None
    """``--variant``: the variant of the movie to work on (``variants:`` in the Moviefile)."""

    def open_movie(self, overrides: dict[str, str] | None = None) -> Movie:
        from moviebuild.project.movie import Movie

        return Movie.open(self.folder, overrides=overrides, variant=self.variant)

    def echo_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(CliContext).as_json = True
    return value


def json_option(command: F) -> F:
    """``--json``: print data for scripts instead of text (the same as ``moviebuild --json``)."""
    return click.option(
        "--json",
        "_json",
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Print data for scripts instead of text.",
    )(command)


def _set_variant(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(CliContext).variant = value
    return value


def variant_option(command: F) -> F:
    """``--variant NAME``: work on that variant (the same as ``moviebuild --variant NAME``)."""
    return click.option(
        "--variant",
        "_variant",
        metavar="NAME",
        expose_value=False,
        callback=_set_variant,
        help="Work on this variant of the movie (`variants:` in the Moviefile).",
    )(command)
