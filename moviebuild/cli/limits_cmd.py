"""``moviebuild limits set|unset|list``: the provider limits of a cluster, set by its operator and
stored in its PostgreSQL database; every worker applies them within seconds
(docs/scale-out.md, "Provider limits")."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli
from moviebuild.cli.numbers import ASCII_INT

_DATABASE = click.option(
    "--database", envvar="MOVIEBUILD_DATABASE", required=True, metavar="URL",
    help="The cluster's postgresql://user:password@host:port/db (or MOVIEBUILD_DATABASE).",
)


@click.group()
def limits() -> None:
    """Set, unset and list the cluster's provider limits (calls in flight, requests a minute)."""


@limits.command("set")
@click.argument("provider")
@click.option("--concurrent", type=ASCII_INT, required=True,
              help="Calls in flight at once across every worker (1 or more).")
@click.option("--per-minute", type=ASCII_INT, default=None,
              help="Calls started in any 60 seconds across every worker (default: no rate limit).")
@_DATABASE
@json_option
@pass_cli
def set_limit(
    context: CliContext, provider: str, concurrent: int, per_minute: int | None, database: str
) -> None:
    """Limit PROVIDER (replicate, openai, ..., or PROVIDER:ROLE such as openai:image) for the
    whole cluster; a Moviefile's limits can only lower its own build's admission."""
    from moviebuild.distributed.limits import LimitsTable, check_limits, check_pool

    check_pool(provider)
    check_limits(provider, concurrent, per_minute)
    with LimitsTable(database) as table:
        row = table.set(provider, concurrent, per_minute)
    if context.as_json:
        context.echo_json(row.to_json())
        return
    rate = f", {row.per_minute} a minute" if row.per_minute else ""
    click.echo(f"{row.pool}: {row.concurrent} at once{rate} (workers apply it within seconds)")


@limits.command("unset")
@click.argument("provider")
@_DATABASE
@json_option
@pass_cli
def unset_limit(context: CliContext, provider: str, database: str) -> None:
    """Give PROVIDER its default limits back."""
    from moviebuild.distributed.limits import LimitsTable, check_pool

    check_pool(provider)
    with LimitsTable(database) as table:
        removed = table.unset(provider)
        found = {row.pool: row for row in table.read().pools()}
    row = found.get(provider)
    if context.as_json:
        context.echo_json({"pool": provider, "was_set": removed,
                           "now": row.to_json() if row else None})
        return
    if not removed:
        click.echo(f"{provider} had no limit of the operator's; nothing changed")
    elif row is None:
        click.echo(f"{provider}: unset; its calls go to the {provider.split(':')[0]} pool")
    else:
        click.echo(f"{provider}: back to the default, {row.concurrent} at once")


@limits.command("list")
@_DATABASE
@json_option
@pass_cli
def list_limits(context: CliContext, database: str) -> None:
    """Every pool's limits in force: set by the operator, or the provider's default."""
    from moviebuild.distributed.limits import LimitsTable

    with LimitsTable(database) as table:
        rows = table.read().pools()
    if context.as_json:
        context.echo_json([row.to_json() for row in rows])
        return
    width = max(len(row.pool) for row in rows)
    for row in rows:
        rate = f"{row.per_minute}/min" if row.per_minute else "-"
        click.echo(f"{row.pool:<{width}}  {row.concurrent:>5} at once  {rate:>9}  {row.source}")
