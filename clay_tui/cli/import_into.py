"""``clay-tui import FILE --into TABLE --key COLUMN``: new rows arriving in an existing table."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from clay_tui.errors import ClayError
from clay_tui.workspace import Workspace


def import_into_cmd(
    ws: Workspace,
    file: Path,
    into: str | None,
    key: str | None,
    *,
    name: str | None,
    sheet: str | None,
    as_json: bool,
) -> None:
    from clay_tui.services import enrich, imports, tables

    if into is None or not (key or "").strip():
        raise ClayError("Adding rows to a table needs both --into TABLE and --key COLUMN.")
    if name is not None:
        raise ClayError("--name names a new table; leave it out with --into.")
    table = tables.find_table(ws, into)  # with its stored results (get_table)
    # auto-update sees the import's changes as the TUI's would: attached before, run after
    updater = enrich.AutoUpdater(ws, table).attach()
    try:
        result = imports.import_into(ws, table, file, key or "", sheet=sheet)
    finally:
        updater.detach()
    runs = asyncio.run(updater.flush()) if result.auto_update else []
    table.save()
    if as_json:
        out = result.as_dict()
        out["runs"] = [r.as_dict() for r in runs]
        out["run_errors"] = [str(e) for e in updater.errors]
        click.echo(json.dumps(out, indent=2, default=str))
        return
    for line in result.lines():
        click.echo(line)
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items()) or "nothing to do"
        click.echo(
            f"Auto-update ran {r.column} on {r.total:,} row(s): {counts}; {r.credits:,} credits."
        )
    for exc in updater.errors:
        click.echo(f"Auto-update could not run: {exc}", err=True)
