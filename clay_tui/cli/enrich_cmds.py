"""CLI verbs for enrichment: actions, add-column, edit-column, remove-column, run, run-info,
recipes export."""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
import sys
import time
from pathlib import Path

import click

from clay_tui.cli.main import cli
from clay_tui.errors import ClayError, ColumnSpecError
from clay_tui.services import enrich as svc
from clay_tui.services import tables
from clay_tui.states import RunStatus, in_order, label
from clay_tui.table.inert import inert, inert_lines


def _open(ctx: click.Context, target: str, *, existing: bool = False):  # noqa: ANN202
    """The table (``existing``: never import a file, so a verb that fails changed nothing)."""
    ws = ctx.obj.workspace
    table = tables.find_table(ws, target) if existing else tables.open_table(ws, target)
    return ws, table  # (stored results are back in it: services.tables.get_table)


@cli.command("actions")
@click.option("--json", "as_json", is_flag=True, help="Print the actions as JSON.")
@click.pass_context
def actions_cmd(ctx: click.Context, as_json: bool) -> None:
    """List the built-in actions: slug, inputs, providers, credits per provider."""
    settings = ctx.obj.settings
    items = [a.as_dict(settings) for a in svc.list_actions()]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    for a in items:
        cost = "free" if a["free"] else ", ".join(f"{k} {v}" for k, v in a["credits"].items())
        inputs = ", ".join(i["name"] + ("*" if i["required"] else "") for i in a["inputs"]) or "-"
        click.echo(f"{a['slug']:<17} {a['name']}")
        click.echo(f"{'':<17} inputs: {inputs}")
        click.echo(f"{'':<17} providers: {', '.join(a['providers']) or '-'}   credits: {cost}")


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ClayError(f"{what} {item!r} must look like key=value.")
        out[key.strip()] = value.strip()
    return out


@cli.command("add-column")
@click.argument("table")
@click.option("--recipe", type=click.Path(path_type=Path), help="A TOML recipe of columns.")
@click.option("--name", help="The new column's name.")
@click.option("--action", help="An action slug (see `clay-tui actions`).")
@click.option("--input", "inputs", multiple=True, help="key=column or key={{template}}.")
@click.option("--provider", "providers", multiple=True, help="Waterfall order (repeat).")
@click.option("--param", "params", multiple=True, help="Action setting key=value.")
@click.option("--where", "condition", help="Only run if this Polars SQL expression is true.")
@click.pass_context
def add_column_cmd(
    ctx: click.Context,
    table: str,
    recipe: Path | None,
    name: str | None,
    action: str | None,
    inputs: tuple[str, ...],
    providers: tuple[str, ...],
    params: tuple[str, ...],
    condition: str | None,
) -> None:
    """Add enrichment columns to TABLE from a recipe, or one simple column from options."""
    ws, tbl = _open(ctx, table)
    if recipe is not None:
        if name or action or inputs:
            raise ClayError("Use either --recipe or --name/--action/--input, not both.")
        specs = svc.load_recipe(recipe)
    else:
        if not name or not action:
            raise ClayError("Give --recipe FILE.toml, or --name and --action.")
        raw_params: dict[str, object] = {}
        for k, v in _pairs(params, "--param").items():
            try:
                raw_params[k] = json.loads(v)
            except ValueError:
                raw_params[k] = v
        specs = [
            svc.ColumnSpec(
                name=name,
                action=action,
                inputs=_pairs(inputs, "--input"),
                providers=list(providers),
                condition=condition,
                params=raw_params,
            )
        ]
    for added in svc.add_columns(ws, tbl, specs):  # all checked before the first is added
        outs = ", ".join(added.outputs.values())
        click.echo(f"Added column {added.name} ({added.action}) to {tbl.name}: outputs {outs}.")
    tbl.save()


def _selection(
    limit: int | None, where: str | None, not_run: bool, failed: bool, all_: bool, force: bool
) -> svc.RowSelection:
    chosen = [
        n
        for n, on in (
            ("--limit", limit is not None),
            ("--where", where is not None),
            ("--not-run", not_run),
            ("--failed", failed),
            ("--all", all_),
        )
        if on
    ]
    if len(chosen) > 1:
        raise ClayError(f"Choose one row set, not {' and '.join(chosen)}.")
    if limit is not None:
        return svc.RowSelection("first", limit=limit, force=force)
    if where is not None:
        return svc.RowSelection("where", where=where, force=force)
    if not_run:
        return svc.RowSelection("not_run", force=force)
    if failed:
        return svc.RowSelection("failed", force=force)
    return svc.RowSelection("all", force=force)


def _estimate_text(est: svc.Estimate) -> str:
    lines = [
        f"{est.column}: {est.rows_to_run} rows to run, {est.skipped_condition} skipped by "
        f"the condition, {est.already_done} already done, {est.missing_input} missing "
        f"input; up to {est.max_credits} credits (expected ~{est.expected_credits}, "
        f"{est.basis})."
        + (
            f" Forced: {est.paid_again} row(s) already paid for will be paid again."
            if est.paid_again
            else ""
        )
    ]
    if est.capped_by == "spend limit":
        lines.append(
            f"  capped by the column's spend limit: {est.spend_limit_left} of "
            f"{est.spend_limit} credits left (a run needs up to "
            f'{est.uncapped_max_credits}); rows past it will say "spend limit"'
        )
    elif est.capped_by == "max credits":
        lines.append(f"  capped by --max-credits (a run needs up to {est.uncapped_max_credits})")
    elif est.capped_by == "balance":
        lines.append(
            f"  capped by the {est.available} credits available (a run needs up to "
            f"{est.uncapped_max_credits}); rows past it will say "
            '"not enough credits"'
        )
    if est.row_ids:
        more = ", …" if est.rows_to_run > len(est.row_ids) else ""
        lines.append(f"  rows {', '.join(map(str, est.row_ids))}{more}")
    for d in est.dependents:
        lines += ["  then " + line for line in _estimate_text(d).splitlines()]
    return "\n".join(lines)


class _Bar:
    """A one-line progress bar on stderr (a line per second when stderr is not a terminal)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.started: float | None = None  # the first report: the rate counts from there

    def __call__(self, p: svc.Progress) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if not p.finished and not self.tty and now - self.last < 1.0:
            return
        self.last = now
        width = 30
        filled = int(width * p.done / p.total) if p.total else width
        counts = " ".join(f"{label(k)} {n}" for k, n in in_order(p.counts) if n)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] "
            f"{svc.progress_text(p, now - self.started)}  {counts}"
        )
        if self.tty:
            sys.stderr.write("\r" + line[:200] + "\033[K" + ("\n" if p.finished else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


async def _run_async(
    ws,
    tbl,
    column: str,
    sel: svc.RowSelection,  # noqa: ANN001
    max_credits: int | None,
    wait: bool = False,
) -> svc.RunSummary:
    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, cancel.set)
        loop.add_signal_handler(signal.SIGTERM, cancel.set)
    except (NotImplementedError, RuntimeError):  # pragma: no cover - not on this platform
        pass
    try:
        return await svc.run_column(
            ws,
            tbl,
            column,
            sel,
            max_credits=max_credits,
            on_progress=_Bar(),
            cancel=cancel,
            wait=wait,
            on_wait=lambda msg: click.echo(msg, err=True),
        )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover
                pass


@cli.command("run")
@click.argument("table")
@click.argument("column")
@click.option(
    "--limit",
    type=int,
    help="A test run: the first N rows (table order) that would call a provider "
    "(condition met, inputs present, not done).",
)
@click.option("--where", help="Only rows where this Polars SQL expression is true.")
@click.option("--not-run", is_flag=True, help="Only rows this column has not run on yet.")
@click.option("--failed", is_flag=True, help="Only rows that failed (error, credits, stop).")
@click.option("--all", "all_", is_flag=True, help="All rows (the default).")
@click.option("--force", is_flag=True, help="Also re-run cells that already have a result.")
@click.option("--dry-run", is_flag=True, help="Show the estimate and stop.")
@click.option("--yes", is_flag=True, help="Do not ask before an expensive run.")
@click.option("--max-credits", type=click.IntRange(min=0), help="Stop paid calls at this spend.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--wait",
    is_flag=True,
    help="If the column is already running elsewhere, wait for that run to end.",
)
@click.pass_context
def run_cmd(
    ctx: click.Context,
    table: str,
    column: str,
    limit: int | None,
    where: str | None,
    not_run: bool,
    failed: bool,
    all_: bool,
    force: bool,
    dry_run: bool,
    yes: bool,
    max_credits: int | None,
    as_json: bool,
    wait: bool,
) -> None:
    """Run enrichment COLUMN of TABLE over a set of rows."""
    ws, tbl = _open(ctx, table)
    sel = _selection(limit, where, not_run, failed, all_, force)
    est = svc.estimate_run(ws, tbl, column, sel, max_credits=max_credits)
    click.echo(_estimate_text(est), err=True)
    if dry_run:
        if as_json:
            click.echo(json.dumps(est.as_dict(), indent=2))
        return
    threshold = ws.settings.run.confirm_above_credits
    worst = est.max_credits  # already bound by --max-credits, the spend limit, the balance
    if worst > threshold and not yes:
        if not sys.stdin.isatty():
            raise ClayError(
                f"This run may cost up to {worst} credits, above the confirm "
                f"threshold of {threshold}; pass --yes to run it."
            )
        if not click.confirm(f"Run it (up to {worst} credits)?", err=True):
            raise ClayError("Not run.")
    try:
        summary = asyncio.run(_run_async(ws, tbl, column, sel, max_credits, wait))
    finally:
        tbl.save()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
        ctx.exit(130 if summary.status == RunStatus.CANCELLED else 0)
    spec = svc.get_column(ws, tbl, column)
    click.echo(summary.describe())  # the TUI says the same sentence
    if summary.stopped_by is not None:
        name = shlex.quote(spec.name)
        click.echo(
            svc.stop_message(
                ws,
                tbl,
                spec,
                summary.stopped_by,
                summary.run_id,
                raise_limit=f"Raise it with `clay-tui edit-column {shlex.quote(tbl.name)} {name} "
                "--spend-limit N` (or --no-spend-limit), then run --failed.",
                raise_run="Run --failed with a higher --max-credits to go on.",
                buy="Buy credits with `clay-tui credits buy N`, then run --failed.",
            ),
            err=True,
        )
    elif summary.message:
        click.echo(summary.message, err=True)
    if summary.status == RunStatus.CANCELLED:
        ctx.exit(130)  # stopped by Ctrl-C / SIGTERM: not a success


@cli.command("run-info")
@click.argument("table")
@click.argument("column")
@click.option("--json", "as_json", is_flag=True, help="Print Run Info as JSON.")
@click.pass_context
def run_info_cmd(ctx: click.Context, table: str, column: str, as_json: bool) -> None:
    """A column's Run Info: credits to date, per provider, refunds, hits, errors."""
    ws, tbl = _open(ctx, table)
    info = svc.run_info(ws, tbl, column)
    if as_json:
        click.echo(json.dumps(info.as_dict(), indent=2))
        return
    lines = info.text_lines()
    for err in info.recent_errors:
        lines.append(f"Error       {inert(err)}")  # a provider's text: never escape codes
    click.echo(inert_lines("\n".join(lines)))


@cli.group("recipes")
def recipes_group() -> None:
    """Export enrichment columns as TOML recipes."""


@recipes_group.command("export")
@click.argument("table")
@click.argument("out", type=click.Path(path_type=Path))
@click.pass_context
def recipes_export(ctx: click.Context, table: str, out: Path) -> None:
    """Write TABLE's enrichment columns to OUT.toml."""
    ws, tbl = _open(ctx, table)
    if out.suffix.lower() != ".toml":
        raise ColumnSpecError("The recipe file must end in .toml.")
    svc.export_recipes(ws, tbl, out)
    click.echo(f"Wrote {len(svc.list_columns(ws, tbl))} column(s) of {tbl.name} to {out}.")


@cli.command("remove-column")
@click.argument("table")
@click.argument("column")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove_column_cmd(ctx: click.Context, table: str, column: str, yes: bool) -> None:
    """Remove enrichment COLUMN of TABLE: its output columns and stored results.

    Spend history stays in the ledger; reports keep the column's name.
    """
    ws, tbl = _open(ctx, table, existing=True)
    spec = svc.get_column(ws, tbl, column)
    outputs = ", ".join(spec.outputs.values())
    if not yes:
        if not sys.stdin.isatty():
            raise ClayError(
                f"Removing {spec.name} deletes its output columns ({outputs}) and "
                "results; pass --yes to remove it."
            )
        if not click.confirm(f"Remove {spec.name} and its output columns ({outputs})?", err=True):
            raise ClayError("Not removed.")
    svc.remove_column(ws, tbl, spec.name)
    click.echo(f"Removed column {spec.name} ({outputs}); its spend history stays in the ledger.")


@cli.command("edit-column")
@click.argument("table")
@click.argument("column")
@click.option("--where", "where", metavar="EXPR", help="Only run if (Polars SQL condition).")
@click.option("--no-where", is_flag=True, help="Remove the only-run-if condition.")
@click.option(
    "--auto-update/--no-auto-update", default=None, help="Run on new or changed rows automatically."
)
@click.option("--spend-limit", type=int, metavar="N", help="Credits for all runs together.")
@click.option("--no-spend-limit", is_flag=True, help="Remove the spend limit.")
@click.option("--rename", "new_name", metavar="NEW", help="New name (renames its output too).")
@click.pass_context
def edit_column_cmd(
    ctx: click.Context,
    table: str,
    column: str,
    where: str | None,
    no_where: bool,
    auto_update: bool | None,
    spend_limit: int | None,
    no_spend_limit: bool,
    new_name: str | None,
) -> None:
    """Change enrichment COLUMN of TABLE: condition, auto-update, spend limit, name."""
    if where is not None and no_where:
        raise ColumnSpecError("Give --where or --no-where, not both.")
    if spend_limit is not None and no_spend_limit:
        raise ColumnSpecError("Give --spend-limit or --no-spend-limit, not both.")
    changes: dict[str, object] = {}
    if where is not None or no_where:
        changes["condition"] = None if no_where else where
    if auto_update is not None:
        changes["auto_update"] = auto_update
    if spend_limit is not None or no_spend_limit:
        changes["spend_limit"] = None if no_spend_limit else spend_limit
    if new_name is not None:
        changes["new_name"] = new_name
    if not changes:
        raise ColumnSpecError(
            "Nothing to change: give --where, --no-where, --auto-update, "
            "--no-auto-update, --spend-limit, --no-spend-limit or --rename."
        )
    ws, tbl = _open(ctx, table, existing=True)
    spec = svc.update_column(ws, tbl, column, **changes)  # type: ignore[arg-type]
    limit = "none" if spec.spend_limit is None else f"{spec.spend_limit} credits"
    click.echo(
        f"Updated column {spec.name}: only run if {spec.condition or '(always)'}; "
        f"auto-update {'on' if spec.auto_update else 'off'}; spend limit {limit}."
    )


@cli.command("auto-update")
@click.argument("table")
@click.argument("state", required=False, type=click.Choice(["on", "off"]))
@click.option("--column", help="Switch one enrichment column instead of the whole table.")
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
@click.pass_context
def auto_update_cmd(
    ctx: click.Context, table: str, state: str | None, column: str | None, as_json: bool
) -> None:
    """Show or switch auto-update of TABLE (on|off); without STATE, print what it does.

    Turning it on prints what it will do: which columns run, which input and condition
    columns trigger them, the most a new or edited row can cost, and the daily cap.
    """
    ws, tbl = _open(ctx, table, existing=True)
    if state is None:
        if column is not None:
            raise ClayError("Give on or off with --column (auto-update TABLE on --column C).")
        info = svc.auto_update_state(ws, tbl)
    else:
        info = svc.set_auto_update(ws, tbl, state == "on", column)
    if as_json:
        click.echo(json.dumps(info.as_dict(), indent=2))
        return
    lines = info.lines()
    if column is not None:
        name = svc.get_column(ws, tbl, column).name
        lines.insert(
            0,
            f"Auto-update of column {name} is {state}"
            + (
                ""
                if info.on or state == "off"
                else f" (the table's switch is off: clay-tui auto-update {tbl.name} on)"
            )
            + ".",
        )
    click.echo("\n".join(lines))
