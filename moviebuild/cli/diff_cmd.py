"""``moviebuild diff R1 R2``: what changed between two revisions as people read it (settings,
texts with their words, media files under ``out/``); ``--json`` prints the ids and digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option

if TYPE_CHECKING:
    from moviebuild.project.revision_changes import RevisionChanges


@click.command()
@click.argument("first")
@click.argument("second")
@json_option
@variant_option
@pass_cli
def diff(context: CliContext, first: str, second: str) -> None:
    """Inputs and artifacts that differ between two revisions (r3 r4, or 3 4)."""
    from moviebuild.project.history import describe_diff, diff_revisions

    movie = context.open_movie()
    if context.as_json:
        context.echo_json(diff_revisions(movie, first, second))
        return
    changes = describe_diff(movie, first, second)
    lines = render_diff(changes)
    click.echo("\n".join(lines) if lines else f"{first} and {second} are the same")


def render_diff(changes: RevisionChanges) -> list[str]:
    """Settings, edited and generated texts with their words, media files by their path."""
    lines: list[str] = []
    if changes.settings:
        lines.append("settings")
        lines += [f"  {path}: {old} -> {new}" for path, old, new in changes.settings]
    for title, texts in (("edited texts", changes.edits), ("generated texts", changes.texts)):
        if texts:
            lines.append(title)
            for text in texts:
                lines.append(f"  {text.id}")
                lines += [f"    - {line}" for line in _lines(text.old)]
                lines += [f"    + {line}" for line in _lines(text.new)]
    if changes.media:
        lines.append("media")
        lines += [f"  {how:<7} {path}" for path, how in changes.media]
    if changes.redone:
        lines.append("redone: " + ", ".join(changes.redone))
    return lines


def _lines(text: str | None) -> list[str]:
    if text is None:
        return ["(none)"]
    return text.strip().splitlines() or [""]
