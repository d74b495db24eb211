"""``status`` and ``explain``: what is current, stale, failed and pinned, and why a job runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _folder(obj: dict[str, Any]) -> Path:
    folder = obj["folder"]
    assert isinstance(folder, Path)
    return folder


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print data for scripts.")
@click.pass_obj
def status(obj: dict[str, Any], as_json: bool) -> None:
    """What is current, stale, failed and pinned by your edits."""
    from moviebuild.project.inspect import movie_status
    from moviebuild.project.movie import Movie

    report = movie_status(Movie.open(_folder(obj)))
    if as_json or obj.get("json"):
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    where = f"revision {report.revision}" if report.revision else "not built yet"
    click.echo(
        f"{where}: {len(report.current)} current, "
        f"{len(report.stale)} stale, {len(report.failed)} failed, "
        f"{len(report.blocked)} blocked, {len(report.pinned)} pinned"
    )
    for entry in report.stale:
        click.echo(f"  stale   {entry['id']}: {entry['reason']}")
    for entry in report.failed:
        click.echo(f"  failed  {entry['id']}: {entry['error']}")
    for job_id in report.blocked:
        click.echo(f"  blocked {job_id}")
    for entry in report.pinned:
        note = (
            (
                "; the generator now proposes something else (`moviebuild reset "
                f"{entry['file']}` takes it)"
            )
            if entry["generator_changed"]
            else ""
        )
        click.echo(f"  pinned  {entry['id']} by your edit in {entry['file']}{note}")


@click.command()
@click.argument("node_id")
@click.option("--json", "as_json", is_flag=True, help="Print data for scripts.")
@click.pass_obj
def explain(obj: dict[str, Any], node_id: str, as_json: bool) -> None:
    """Why NODE_ID (a job or artifact id) would run: which input changed, old and new hash."""
    from moviebuild.project.inspect import explain_job
    from moviebuild.project.movie import Movie

    answer = explain_job(Movie.open(_folder(obj)), node_id)
    if as_json or obj.get("json"):
        click.echo(json.dumps(answer, indent=2))
        return
    if answer["action"] != "run":
        click.echo(f"{answer['id']} is up to date ({answer['action']}; key {answer['key']})")
        return
    reason = answer["reason"]
    subject = f" {reason['subject']}" if reason.get("subject") else ""
    click.echo(f"{answer['id']} would run: {reason['kind']}{subject}")
    if reason.get("old") or reason.get("new"):
        click.echo(f"  old: {reason.get('old')}")
        click.echo(f"  new: {reason.get('new')}")
    if answer["previous_key"] or answer["key"]:
        before, after = answer["previous_key"] or "none", answer["key"] or "known once inputs exist"
        click.echo(f"  key: {before} -> {after}")
