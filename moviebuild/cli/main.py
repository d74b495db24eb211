"""The ``moviebuild`` command group and its one top-level error handler.

Plain ``moviebuild`` builds; ``moviebuild --dry-run`` plans. Errors from the exception tree print
one message and a hint and exit with their own code; anything else is an internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from moviebuild.errors import InternalError, MovieBuildError


class MovieGroup(click.Group):
    """Turns MovieBuildError into a message and its exit code, never a traceback."""

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
    click.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)


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
@click.option("--budget", type=float, default=None, help="Refuse to build above this cost (USD).")
@click.version_option(package_name="moviebuild")
@click.pass_context
def cli(
    ctx: click.Context, folder: Path, dry_run: bool, as_json: bool, budget: float | None
) -> None:
    """Build the movie in this folder; only what changed since the last build is regenerated."""
    ctx.obj = {"folder": folder, "json": as_json}
    if ctx.invoked_subcommand is not None:
        return
    if dry_run:
        from moviebuild.cli.dry_run import show_plan

        show_plan(folder, as_json=as_json, budget=budget)
        return
    from moviebuild.cli.build import run_build

    ctx.exit(run_build(folder, as_json=as_json, budget=budget))


def _register() -> None:
    from moviebuild.cli import commands, fsck_cmd

    for command in [*commands.ALL, fsck_cmd.fsck]:
        cli.add_command(command)


def main() -> None:
    # pydantic scans every installed distribution for plugins on first use; moviebuild uses none,
    # and the scan costs a no-op build tens of milliseconds.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _register()
    cli.main(args=sys.argv[1:], prog_name="moviebuild")
