"""``log``, ``diff``, ``checkout`` and ``gc``: the movie's revisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _movie(obj: dict[str, Any]) -> Any:
    from moviebuild.project.movie import Movie

    folder = obj["folder"]
    assert isinstance(folder, Path)
    return Movie.open(folder)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def log(obj: dict[str, Any], as_json: bool) -> None:
    """Revisions with their time, calls and failures."""
    from moviebuild.project.history import revision_log

    entries = revision_log(_movie(obj))
    if as_json or obj.get("json"):
        click.echo(json.dumps(entries, indent=2))
        return
    for entry in entries:
        mark = "*" if entry["current"] else " "
        extra = " interrupted" if entry["interrupted"] else ""
        click.echo(
            f"{mark} r{entry['revision']:<4} {entry['created']}  {entry['calls']:>3} calls  "
            f"{entry['reused']:>3} reused  {entry['failed']} failed  "
            f"{entry['blocked']} blocked{extra}"
        )


@click.command()
@click.argument("first", type=int)
@click.argument("second", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def diff(obj: dict[str, Any], first: int, second: int, as_json: bool) -> None:
    """Inputs and artifacts that differ between two revisions."""
    from moviebuild.project.history import diff_revisions

    result = diff_revisions(_movie(obj), first, second)
    if as_json or obj.get("json"):
        click.echo(json.dumps(result, indent=2))
        return
    for name, change in result["inputs"].items():
        click.echo(f"input    {name}: {change['old']!r} -> {change['new']!r}")
    for name in result["overrides"]:
        click.echo(f"override {name}")
    for name, change in result["artifacts"].items():
        click.echo(f"artifact {name}: {change['old'] or '-'} -> {change['new'] or '-'}")
    if not any(result[k] for k in ("inputs", "overrides", "artifacts")):
        click.echo(f"revisions {first} and {second} are the same")


@click.command()
@click.argument("revision", type=int)
@click.pass_obj
def checkout(obj: dict[str, Any], revision: int) -> None:
    """Make REVISION current again (Moviefile, prompts, out/) without calling anything."""
    from moviebuild.project.export import export_outputs
    from moviebuild.project.history import checkout_revision

    movie = _movie(obj)
    checkout_revision(movie, revision)
    export_outputs(_movie(obj))
    click.echo(f"revision {revision} is current; Moviefile.yaml, prompts/ and out/ match it")


@click.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def gc(obj: dict[str, Any], dry_run: bool, as_json: bool) -> None:
    """Remove stored blobs that no revision references."""
    from moviebuild.project.history import collect_garbage

    result = collect_garbage(_movie(obj), dry_run=dry_run)
    if as_json or obj.get("json"):
        click.echo(json.dumps(result, indent=2))
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {result['unreferenced']} blobs ({result['bytes'] / 1e6:.1f} MB)")
