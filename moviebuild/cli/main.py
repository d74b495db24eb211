"""The ``moviebuild`` command group and its one top-level error handler.

Plain ``moviebuild`` builds; ``moviebuild --dry-run`` plans. Errors from the exception tree print
one message and a hint and exit with their own code; anything else is an internal error.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import click

from moviebuild.cli.context import CliContext
from moviebuild.cli.numbers import ASCII_FLOAT
from moviebuild.errors import InternalError, MovieBuildError


class MovieGroup(click.Group):
    """Turns MovieBuildError into a message and its exit code, never a traceback; loads each
    subcommand's module when that command is asked for (``commands.COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from moviebuild.cli.commands import COMMANDS

        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from moviebuild.cli.commands import COMMANDS, load_command

        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(load_command(cmd_name))
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MovieBuildError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader (e.g. `| head`) went away: stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if "MOVIEBUILD_DEBUG" in os.environ:
                raise
            error = InternalError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a bug in moviebuild; set MOVIEBUILD_DEBUG=1 for "
                "the traceback and report it",
            )
            report_error(error)
            ctx.exit(error.exit_code)


def report_error(exc: MovieBuildError) -> None:
    """A MovieBuildError as people read it: ``error: ...`` and, if any, ``hint: ...``."""
    if exc.message:
        click.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)


def _budget(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise click.BadParameter("a budget is a number of dollars, 0 or more")
    return value


@click.group(cls=MovieGroup, invoke_without_command=True)
@click.option(
    "-C",
    "--directory",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="The movie folder (default: the current folder).",
)
@click.option("--dry-run", is_flag=True, help="Show what a build would run, why, and its cost.")
@click.option("--json", "as_json", is_flag=True, help="Print data for scripts instead of text.")
@click.option(
    "--budget", type=ASCII_FLOAT, default=None, callback=_budget,
    help="Refuse to build above this cost (USD).",
)
@click.option(
    "--set", "assignments", multiple=True, metavar="ID=TEXT",
    help="Override a text artifact, e.g. 'SegmentNarration[2]=New words' (kept as an edit).",
)
@click.option(
    "--set-file", "file_assignments", multiple=True, metavar="ID=PATH",
    help="Put your own file in a media slot, e.g. 'SegmentImage[3][2]=photo.jpg' (kept under "
    "prompts/; 'ID=' hands the slot back).",
)
@click.option(
    "--server", envvar="MOVIEBUILD_SERVER", metavar="URL",
    help="Work on a movie of this moviebuild server (token in MOVIEBUILD_TOKEN).",
)
@click.option(
    "--movie", "movie_id", envvar="MOVIEBUILD_MOVIE", metavar="ID",
    help="With --server: the movie's id.",
)
@click.option(
    "--variant", metavar="NAME",
    help="Work on this variant (`variants:` in the Moviefile): variants/NAME/out and prompts.",
)
@click.option(
    "--all-variants", is_flag=True,
    help="Build (or with --dry-run plan) the base movie and then every variant.",
)
@click.version_option(package_name="moviebuild")
@click.pass_context
def cli(
    ctx: click.Context,
    folder: Path,
    dry_run: bool,
    as_json: bool,
    budget: float | None,
    assignments: tuple[str, ...],
    file_assignments: tuple[str, ...],
    server: str | None,
    movie_id: str | None,
    variant: str | None,
    all_variants: bool,
) -> None:
    """Build the movie in this folder; only what changed since the last build is regenerated."""
    context = CliContext(
        folder, as_json, budget, server or None, movie_id or None, variant or None
    )
    ctx.obj = context
    if ctx.invoked_subcommand is not None:
        if assignments or file_assignments or dry_run or all_variants:
            raise click.UsageError(
                "--dry-run, --all-variants, --set and --set-file go before no command or with "
                "`build`"
            )
        return
    from moviebuild.cli.build_cmd import changes_from_options, run_build

    changes = changes_from_options(assignments, file_assignments)
    if all_variants:
        if variant or context.server:
            raise click.UsageError("--all-variants builds every variant; drop --variant/--server")
        from moviebuild.cli.variants_cmd import run_all_variants

        run_all_variants(context, changes, dry_run=dry_run)
        return
    if context.server:
        from moviebuild.cli.remote import run_remote_build, show_remote_plan

        if dry_run:
            show_remote_plan(context, changes)
        else:
            run_remote_build(context, changes)
        return
    if dry_run:
        from moviebuild.cli.dry_run import show_plan

        show_plan(context, changes)
        return
    run_build(context, changes)


def _register() -> None:
    """Load every subcommand now (tests that list ``cli.commands``); ``main`` loads them as they
    are asked for."""
    from moviebuild.cli.commands import COMMANDS

    for name in COMMANDS:
        cli.get_command(click.Context(cli), name)


def main() -> None:
    # pydantic scans every installed distribution for plugins on first use; moviebuild uses none,
    # and the scan costs a no-op build tens of milliseconds.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(args=sys.argv[1:], prog_name="moviebuild")
