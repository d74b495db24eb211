"""``moviebuild token create|list|revoke``: bearer tokens of a server root. A new token is printed
once; the root keeps only its hash."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli

_ROOT = click.option(
    "--root", default="moviebuild-root", show_default=True, help="The server's root folder."
)


@click.group()
def token() -> None:
    """Create, list and revoke the server's bearer tokens."""


@token.command("create")
@click.argument("tenant", required=False)
@click.option(
    "--admin", is_flag=True,
    help="An admin token: also sees the server's operations (GET /v1/workers). TENANT "
    "defaults to 'admin'.",
)
@click.option(
    "--daily-budget", type=click.FloatRange(min=0), metavar="USD",
    help="What TENANT may spend a day (UTC) over all its movies; builds past it get 402.",
)
@_ROOT
@json_option
@pass_cli
def create(context: CliContext, tenant: str | None, admin: bool, daily_budget: float | None,
           root: str) -> None:
    """Make a token for TENANT and print it (this once)."""
    from moviebuild.server.root_location import open_root
    from moviebuild.server.tokens import ADMIN_TENANT, TokenBook

    if tenant is None and not admin:
        raise click.UsageError("name the TENANT the token is for (or pass --admin)")
    # An empty name is a name (refused as one), never the admin default.
    name = ADMIN_TENANT if tenant is None else tenant
    entry, secret = TokenBook(open_root(root)).create(name, admin=admin,
                                                       daily_budget_usd=daily_budget)
    if context.as_json:
        context.echo_json(
            {"id": entry.id, "tenant": entry.tenant, "admin": entry.admin, "token": secret,
             "daily_budget_usd": entry.daily_budget_usd}
        )
        return
    click.echo(secret)
    kind = "admin token" if entry.admin else "token"
    click.echo(
        f"{kind} {entry.id} for tenant {entry.tenant}: shown once, only its hash is kept "
        f"(revoke: moviebuild token revoke {entry.id})",
        err=True,
    )


@token.command("list")
@_ROOT
@json_option
@pass_cli
def list_tokens(context: CliContext, root: str) -> None:
    """The tokens' ids and tenants (never the tokens)."""
    from moviebuild.server.root_location import open_root
    from moviebuild.server.tokens import TokenBook

    entries = TokenBook(open_root(root)).entries()
    if context.as_json:
        context.echo_json(
            [
                {"id": e.id, "tenant": e.tenant, "admin": e.admin, "created": e.created,
                 "daily_budget_usd": e.daily_budget_usd}
                for e in entries
            ]
        )
        return
    for entry in entries:
        admin = "  admin" if entry.admin else ""
        budget = (f"  ${entry.daily_budget_usd:.2f}/day"
                  if entry.daily_budget_usd is not None else "")
        click.echo(f"{entry.id}  {entry.tenant}  {entry.created}{admin}{budget}")


@token.command("revoke")
@click.argument("token_id")
@_ROOT
def revoke(token_id: str, root: str) -> None:
    """Revoke the token TOKEN_ID (as `token list` shows it); it stops working at once."""
    from moviebuild.server.root_location import open_root
    from moviebuild.server.tokens import TokenBook

    entry = TokenBook(open_root(root)).revoke(token_id)
    click.echo(f"revoked token {entry.id} of tenant {entry.tenant}")
