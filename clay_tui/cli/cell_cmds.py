"""CLI verb ``cell``: one enrichment cell explained (the TUI's cell details, headless)."""

from __future__ import annotations

import json

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError
from clay_tui.states import label


def _row_id(text: str) -> int:
    if not text.strip().isdigit():
        raise ClayError(f"ROW_ID must be a row id (a whole number), not {text!r}.")
    return int(text)


def details_lines(d) -> list[str]:  # noqa: ANN001 - a CellDetails
    """The details as lines of plain text."""
    lines = [
        f"{d.table} / {d.column} · row {d.row_id} · {d.action} · {d.mode} · paid with {d.paid_with}"
    ]
    for col, value in d.values.items():
        lines.append(f"  {col}: {'' if value is None else value}")
    lines.append(f"State     {label(d.state)}: {d.why}")
    if d.condition:
        lines.append(f"Only if   {d.condition}")
    if d.run_id is not None:
        lines.append(
            f"Stored    by run {d.run_id} ({d.trigger or 'before triggers'})"
            f" at {d.updated_at or '?'}, {d.credits} credits"
        )
    lines.append(
        f"Credits   {d.ledger_net} net ({d.ledger_charged} charged, {d.ledger_refunded} refunded)"
    )
    if not d.attempts:
        lines.append("Attempts  none (no paid call was made for this cell)")
    for i, a in enumerate(d.attempts):
        call = 1 + sum(1 for b in d.attempts[:i] if b.run_id == a.run_id)
        verdict = ""
        if a.verifier_status:
            verdict = f", verifier {a.verifier_status}"
            if a.verifier_score is not None:
                verdict += f" (score {a.verifier_score})"
        extra = " rejected by validation" if a.rejected else ""
        lines.append(
            f"  run {a.run_id} ({a.trigger or '?'}) call {call}: {a.provider}.{a.op}"
            f" -> {a.outcome_text}{verdict}{extra}; reserved {a.reserved}, charged"
            f" {a.charged}, refunded {a.refunded}{' (own key)' if a.own_key else ''}"
            f" at {a.finished_at or a.started_at or '?'}"
        )
        if a.message:
            lines.append(f"      {a.message}")
    return lines


@cli.command("cell")
@click.argument("table")
@click.argument("column")
@click.argument("row_id")
@click.option("--json", "as_json", is_flag=True, help="Print the details as JSON.")
@click.pass_context
def cell_cmd(ctx: click.Context, table: str, column: str, row_id: str, as_json: bool) -> None:
    """One enrichment cell explained: value, state and why, every provider attempt with its
    credits (reserved, charged, refunded), run and trigger. ROW_ID is the stable row id."""
    from clay_tui.services import enrich, tables

    ws = ctx.obj.workspace
    tbl = tables.open_table(ws, table)  # with its stored results (get_table)
    details = enrich.cell_details(ws, tbl, column, _row_id(row_id))
    if as_json:
        click.echo(json.dumps(details.as_dict(), indent=2, default=str))
        return
    click.echo("\n".join(details_lines(details)))
