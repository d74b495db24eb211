"""``moviebuild studio``: the movie folder in the browser studio (watch, edit, rebuild)."""

from __future__ import annotations

import contextlib

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.cli.numbers import AsciiIntRange


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the default unless you mean to share the movie.")
@click.option("--port", type=AsciiIntRange(0, 65535), default=8000, show_default=True,
              help="0 picks a free port.")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open the page in the default browser.")
@pass_cli
def studio(context: CliContext, host: str, port: int, open_browser: bool) -> None:
    """Serve this movie's studio over the HTTP API on 127.0.0.1 (Ctrl-C stops)."""
    from moviebuild.studio.local import serve_studio

    folder = context.folder

    def ready(url: str) -> None:
        click.echo(f"studio for {folder.resolve()} at {url} (Ctrl-C stops)")
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    with contextlib.suppress(KeyboardInterrupt):
        serve_studio(folder, host=host, port=port, on_ready=ready)
    click.echo("studio stopped")
