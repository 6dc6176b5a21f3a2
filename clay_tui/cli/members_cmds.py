"""``clay-tui members``: who spends from this workspace, and their monthly limits."""

from __future__ import annotations

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError
from clay_tui.services import members as svc


@cli.group("members", invoke_without_command=True)
@click.pass_context
def members_group(ctx: click.Context) -> None:
    """List the members, their role, monthly limit and what they used this month."""
    if ctx.invoked_subcommand is not None:
        return
    ws = ctx.obj.workspace
    rows = svc.list_members(ws)
    click.echo(f"{'member':<24} {'role':<7} {'limit':>10} {'used':>10}")
    for m in rows:
        limit = "-" if m.monthly_limit is None else f"{m.monthly_limit:,}"
        click.echo(f"{m.name:<24} {m.role:<7} {limit:>10} {m.used_this_month:>10,}")
    click.echo(f"(you act as {ws.settings.user}; limits are per calendar month, UTC)")


@members_group.command("limit")
@click.argument("name")
@click.argument("credits")
@click.pass_context
def limit_cmd(ctx: click.Context, name: str, credits: str) -> None:
    """Set NAME's monthly spend limit to CREDITS (or `none`); owners only (the first member to
    set one becomes the owner)."""
    if credits.lower() == "none":
        limit = None
    else:
        try:
            limit = int(credits.replace(",", "").replace("_", ""))
        except ValueError:
            raise ClayError(
                f"A monthly limit is a whole number of credits or `none`, not {credits!r}."
            ) from None
    svc.set_limit(ctx.obj.workspace, name, limit)
    click.echo(
        f"{name} has no monthly limit now."
        if limit is None
        else f"{name} may spend {limit:,} credits a month."
    )


@members_group.command("owner")
@click.argument("name")
@click.pass_context
def owner_cmd(ctx: click.Context, name: str) -> None:
    """Make NAME an owner (owners only)."""
    svc.make_owner(ctx.obj.workspace, name)
    click.echo(f"{name} is an owner of this workspace.")
