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
@click.argument("tenant")
@_ROOT
@json_option
@pass_cli
def create(context: CliContext, tenant: str, root: str) -> None:
    """Make a token for TENANT and print it (this once)."""
    from moviebuild.server.root import open_root
    from moviebuild.server.tokens import TokenBook

    entry, secret = TokenBook(open_root(root)).create(tenant)
    if context.as_json:
        context.echo_json({"id": entry.id, "tenant": entry.tenant, "token": secret})
        return
    click.echo(secret)
    click.echo(
        f"token {entry.id} for tenant {entry.tenant}: shown once, only its hash is kept "
        f"(revoke: moviebuild token revoke {entry.id})",
        err=True,
    )


@token.command("list")
@_ROOT
@json_option
@pass_cli
def list_tokens(context: CliContext, root: str) -> None:
    """The tokens' ids and tenants (never the tokens)."""
    from moviebuild.server.root import open_root
    from moviebuild.server.tokens import TokenBook

    entries = TokenBook(open_root(root)).entries()
    if context.as_json:
        context.echo_json(
            [{"id": e.id, "tenant": e.tenant, "created": e.created} for e in entries]
        )
        return
    for entry in entries:
        click.echo(f"{entry.id}  {entry.tenant}  {entry.created}")


@token.command("revoke")
@click.argument("token_id")
@_ROOT
def revoke(token_id: str, root: str) -> None:
    """Revoke the token TOKEN_ID (as `token list` shows it); it stops working at once."""
    from moviebuild.server.root import open_root
    from moviebuild.server.tokens import TokenBook

    entry = TokenBook(open_root(root)).revoke(token_id)
    click.echo(f"revoked token {entry.id} of tenant {entry.tenant}")
