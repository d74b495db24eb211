"""``moviebuild explain ID|PATH``: why a job would run, with old and new values; PATH is a file
under ``prompts/`` or ``out/``."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option


@click.command()
@click.argument("target")
@json_option
@variant_option
@pass_cli
def explain(context: CliContext, target: str) -> None:
    """Why TARGET (a job or artifact id, or a file under prompts/ or out/) would run."""
    from moviebuild.project.inspect import explain_job

    answer = explain_job(context.open_movie(), target)
    if context.as_json:
        context.echo_json(answer)
        return
    if "edited" in answer:
        click.echo(
            f"{answer['edited']} is your edit (its generator {answer['generator']} no longer "
            f"writes it); it is read by {answer['id']}"
            + "".join(f", {other}" for other in answer["also_read_by"])
        )
    if answer["action"] == "skip":
        click.echo(f"{answer['id']} does not run: every output is pinned by your edit or file")
        return
    if answer["action"] != "run":
        click.echo(f"{answer['id']} is up to date ({answer['action']}; key {answer['key']})")
        return
    reason = answer["reason"]
    subject = f" {reason['subject']}" if reason.get("subject") else ""
    click.echo(f"{answer['id']} would run: {reason['kind']}{subject}")
    if reason.get("old_text") is not None or reason.get("new_text") is not None:
        click.echo(f"  old text: {reason.get('old_text')}")
        click.echo(f"  new text: {reason.get('new_text')}")
    elif reason.get("old") or reason.get("new"):
        click.echo(f"  old: {reason.get('old')}")
        click.echo(f"  new: {reason.get('new')}")
    if answer["previous_key"] or answer["key"]:
        before, after = answer["previous_key"] or "none", answer["key"] or "known once inputs exist"
        click.echo(f"  key: {before} -> {after}")
