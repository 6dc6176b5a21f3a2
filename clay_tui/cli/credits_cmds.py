"""CLI verbs for credits: ``credits [--json]``, ``credits buy N``, ``credits verify``, ``usage``."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError
from clay_tui.services import credits as svc


def _overview_text(o: svc.PlanOverview) -> str:
    b, n = o.balance, o.next_renewal
    cap = f", rollover cap {o.rollover_cap:,}" if o.rollover_cap else ""
    lines = [
        f"Plan          {o.plan_name} ({o.billing}, {o.allocation:,} credits per period{cap})",
        f"Available     {b.available:,}",
        f"Plan bucket   {b.plan:,}",
        f"Purchased     {b.purchased:,}",
        f"Reserved      {b.reserved:,}",
        f"Renews on     {n.on.isoformat()}: +{n.grant:,} grant, -{n.forfeit:,} forfeit"
        + (f", -{n.expire:,} expire" if n.expire else "")
        + f" ({n.plan_name})",
    ]
    if o.pending_change:
        lines.append(f"Pending       change to {o.pending_change.name} at the next renewal")
    return "\n".join(lines)


@cli.group("credits", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the balance as JSON.")
@click.pass_context
def credits_group(ctx: click.Context, as_json: bool) -> None:
    """Show the credit balance, plan and next renewal (or buy, verify)."""
    if ctx.invoked_subcommand is not None:
        return
    overview = svc.plan_overview(ctx.obj.workspace)
    if as_json:
        click.echo(json.dumps(overview.as_dict(), indent=2))
    else:
        click.echo(_overview_text(overview))


@credits_group.command("buy", context_settings={"ignore_unknown_options": True})
@click.argument("amount", required=False)
@click.pass_context
def buy(ctx: click.Context, amount: str | None) -> None:
    """Buy AMOUNT credits (they never expire and are spent after plan credits)."""
    if amount is None:
        raise ClayError("Say how many credits to buy, e.g. `clay-tui credits buy 500`.")
    value = svc.parse_amount(amount)
    bal = svc.buy_credits(ctx.obj.workspace, value)
    click.echo(f"Bought {value:,} credits; available now {bal.available:,}.")


@credits_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def verify_cmd(ctx: click.Context, as_json: bool) -> None:
    """Check the ledger's invariants and release holds left by crashed processes."""
    report = svc.verify_credits(ctx.obj.workspace)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for action in report.actions:
            click.echo(action)
        for check in report.checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
            for problem in check.problems:
                click.echo(f"      {problem}")
        click.echo(
            "All credit invariants hold." if report.ok else "Some credit invariants do not hold."
        )
    ctx.exit(0 if report.ok else 1)


@cli.command("usage")
@click.option(
    "--by", "by", default="table", help="Group by table, column, provider, day, run or member."
)
@click.option("--table", "table", default=None, help="Only this table (name or id).")
@click.option("--since", default=None, help="First day (YYYY-MM-DD), inclusive.")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write CSV to this file instead of printing.",
)
@click.pass_context
def usage_cmd(
    ctx: click.Context,
    by: str,
    table: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
    as_csv: bool,
    out: Path | None,
) -> None:
    """Where credits went: spend and refunds by table, column, provider, day or run."""
    if as_json and as_csv:
        raise ClayError("Choose one of --json and --csv, not both.")
    by = svc.parse_by(by)
    first = svc.parse_date(since, "--since")
    last = svc.parse_date(until, "--until")
    ws = ctx.obj.workspace
    report = svc.usage_report(
        ws, by, table_id=svc.resolve_table_id(ws, table), since=first, until=last
    )
    if out is not None:
        svc.export_usage_csv(report, out)
        click.echo(f"Wrote {len(report.rows)} row(s) to {out}.")
    elif as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif as_csv:
        w = csv.writer(sys.stdout)
        safe = svc.csv_safe_usage(report)
        w.writerow(svc.usage_csv_header(safe))
        for r in safe.rows:
            w.writerow(svc.usage_csv_row(safe, r))
    else:
        if by == "run":  # what started each run: manual (TUI), cli or auto-update
            report = svc.label_runs_with_trigger(report)
        width = max([len(r.label) for r in report.rows] + [len(by), 5])
        click.echo(f"{by:<{width}}  {'spent':>8}  {'refunded':>8}  {'net':>8}  {'charges':>7}")
        for r in report.rows:
            click.echo(
                f"{r.label:<{width}}  {r.spent:>8,}  {r.refunded:>8,}  {r.net:>8,}  {r.charges:>7,}"
            )
        click.echo(
            f"{'total':<{width}}  {report.spent:>8,}  {report.refunded:>8,}  {report.net:>8,}"
        )
