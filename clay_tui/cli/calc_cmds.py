"""``clay-tui credits calculate``: what enriching N rows would cost, and what covers it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clay_tui.cli.credits_cmds import credits_group
from clay_tui.services import calculator
from clay_tui.services.tables import find_table


@credits_group.command("calculate")
@click.option("--rows", "rows", required=True, help="How many rows the enrichment would run on.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    help="An enrichment column of --table, or an action (e.g. find_work_email); repeatable.",
)
@click.option(
    "--recipe", type=click.Path(path_type=Path), default=None, help="Price a recipe's columns."
)
@click.option("--table", "table", default=None, help="Use this table's columns and history.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def calculate_cmd(
    ctx: click.Context,
    rows: str,
    columns: tuple[str, ...],
    recipe: Path | None,
    table: str | None,
    as_json: bool,
) -> None:
    """Expected and maximum credits for N rows, months of plan, and what covers it."""
    ws = ctx.obj.workspace
    n = calculator.parse_rows(rows)
    lead_table = find_table(ws, table) if table is not None else None
    specs = calculator.resolve_specs(ws, list(columns), recipe, lead_table)
    calc = calculator.calculate(ws, n, specs, lead_table)
    if as_json:
        click.echo(json.dumps(calc.as_dict(), indent=2))
    else:
        click.echo("\n".join(calc.lines()))
