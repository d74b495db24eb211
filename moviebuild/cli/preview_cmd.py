"""``moviebuild preview``: the current movie in the browser, played by Remotion's Player."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.cli.numbers import AsciiIntRange


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the default unless you mean to share the movie.")
@click.option("--port", type=AsciiIntRange(0, 65535), default=8000, show_default=True,
              help="0 picks a free port.")
@pass_cli
def preview(context: CliContext, host: str, port: int) -> None:
    """Serve out/ with a page that plays the timeline in @remotion/player (Ctrl-C stops)."""
    from moviebuild.project.remotion import serve_preview

    folder = context.folder

    def ready(url: str) -> None:
        click.echo(f"previewing {folder / 'out'} at {url} (Ctrl-C stops)")

    try:
        serve_preview(folder, host=host, port=port, on_ready=ready)
    except KeyboardInterrupt:
        click.echo("preview stopped")
