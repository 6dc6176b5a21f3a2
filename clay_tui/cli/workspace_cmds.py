"""``clay-tui workspace repair``: rebuild a damaged workspace.db, keeping the damaged file."""

from __future__ import annotations

from pathlib import Path

import click

from clay_tui.cli.main import cli
from clay_tui.config import load_settings
from clay_tui.errors import WorkspaceError
from clay_tui.services import workspace as svc
from clay_tui.services.workspace_copy import copy_workspace
from clay_tui.services.workspace_init import init_workspace


@cli.group("workspace")
def workspace_group() -> None:
    """Look after the workspace: a folder (workspace.db and tables/) or a PostgreSQL database."""


@workspace_group.command("repair")
@click.option("--yes", is_flag=True, help="Do not ask before repairing.")
@click.pass_context
def repair_cmd(ctx: click.Context, yes: bool) -> None:
    """Rebuild a damaged workspace.db from what can be read; the damaged file is kept beside
    it as workspace.db.damaged-<UTC time>, and no credits are granted again."""
    settings = ctx.obj.settings  # never ctx.obj.workspace: that refuses a damaged database
    if settings.workspace_url:
        raise WorkspaceError(
            "workspace repair rebuilds a folder's workspace.db; a team workspace is kept whole "
            "by its PostgreSQL server: run `clay-tui credits verify` to release a crashed "
            "machine's holds."
        )
    why = svc.damage(settings)
    if why is None:
        root = Path(settings.workspace).expanduser()
        if not (root / "workspace.db").exists():
            raise WorkspaceError(f"There is no workspace in {root}; nothing to repair.")
        raise WorkspaceError("workspace.db is healthy; nothing to repair.")
    click.echo(f"Damage: {why}")
    if not yes:
        click.confirm("Move the damaged workspace.db aside and rebuild it?", abort=True)
    out = svc.repair_workspace(settings)
    r = out.report
    click.echo(
        f"Kept the damaged file as {r.damaged_path}."
        if r.damaged_path
        else "There was no workspace.db to keep."
    )
    click.echo(f"Recovered ({r.method}):")
    labels = (
        ("tables", "tables"),
        ("enrich_columns", "columns"),
        ("cells", "cells"),
        ("runs", "runs"),
        ("table_journal", "edits"),
        ("attempts", "attempts"),
    )
    click.echo("  " + ", ".join(f"{r.tables.get(t, 0):,} {label}" for t, label in labels))
    if r.registered:
        click.echo(f"  re-registered from tables/*.parquet: {', '.join(r.registered)}")
    unreadable = (
        not r.ledger_recovered and r.damaged_path is not None and not r.method.startswith("nothing")
    )
    click.echo(
        "  ledger: no entry could be read (how many were lost is not known)"
        if unreadable
        else f"  ledger: {r.ledger_recovered:,} entries recovered, {r.ledger_lost:,} lost"
        + (
            f"; {len(r.ledger_rewritten)} lost entr(y/ies) written again from what the"
            " surviving entries, cells and periods pin down"
            if r.ledger_rewritten
            else ""
        )
    )
    if r.unplaced:
        click.echo(f"  {r.unplaced:,} row fragment(s) could not be placed in a table")
    for note in r.notes:
        click.echo(f"  {note}")
    click.echo(f"Available credits: {out.available_after:,} (lost grants are not granted again).")
    click.echo("credits verify:")
    for action in out.verify.actions:
        click.echo(f"  {action}")
    for check in out.verify.checks:
        click.echo(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        for problem in check.problems:
            click.echo(f"        {problem}")
    click.echo(
        "  All credit invariants hold."
        if out.verify.ok
        else "  Some credit invariants do not hold (the lost entries above)."
    )


@workspace_group.command("init")
@click.argument("target")
@click.pass_context
def init_cmd(ctx: click.Context, target: str) -> None:
    """Create (or bring up to date) the workspace TARGET: a folder, or a team workspace at
    postgresql://user@host:port/db. Applies the versioned migrations it lacks."""
    settings = load_settings(ctx.obj.config_path, target)
    report = init_workspace(settings)
    where = "PostgreSQL" if report.backend == "postgresql" else "folder"
    if report.applied:
        for m in report.applied:
            click.echo(f"applied {m.subsystem} v{m.version}: {m.name}")
    else:
        click.echo("Already up to date.")
    click.echo(
        f"Workspace ({where}) at "
        + ", ".join(f"{name} v{version}" for name, version in sorted(report.versions.items()))
        + "."
    )


@workspace_group.command("copy")
@click.argument("source")
@click.argument("destination")
@click.pass_context
def copy_cmd(ctx: click.Context, source: str, destination: str) -> None:
    """Copy a workspace (credits, tables, columns, runs and results) from SOURCE to a new
    DESTINATION, each a folder or a postgresql:// URL; `credits verify` runs on both ends and
    each table is compared row by row."""
    src = load_settings(ctx.obj.config_path, source, user=ctx.obj.user)
    dst = load_settings(ctx.obj.config_path, destination, user=ctx.obj.user)
    report = copy_workspace(src, dst)
    click.echo("Copied " + ", ".join(f"{n:,} {t}" for t, n in report.rows.items()) + ".")
    for end, checked in (("source", report.source), ("destination", report.destination)):
        failed = [c for c in checked.checks if not c.ok]
        click.echo(
            f"credits verify on the {end}: "
            + ("all invariants hold." if not failed else "; ".join(c.name for c in failed))
        )
    click.echo(f"Available credits on both ends: {report.available:,}.")
    if report.tables_compared:
        click.echo(f"Tables identical on both ends, row by row: {report.tables_compared}.")
    if not report.ok:
        ctx.exit(1)
