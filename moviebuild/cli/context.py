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

    def open_movie(self, overrides: dict[str, str] | None = None) -> Movie:
        from moviebuild.project.movie import Movie

        return Movie.open(self.folder, overrides=overrides)

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
