"""``clay-tui find-people``: a new table (or new rows) from a Prospeo person search."""

from __future__ import annotations

import click

from clay_tui.cli.main import cli


@cli.command("find-people")
@click.pass_context
def find_people_cmd(ctx: click.Context) -> None:
    """People matching filters become a table (free of clay-tui credits)."""
