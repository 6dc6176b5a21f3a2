"""CLI verbs for tables: ``import``, ``tables``, ``export``."""

from __future__ import annotations

from pathlib import Path

import click

from clay_tui.cli.context import CliContext
from clay_tui.cli.main import cli
from clay_tui.table.inert import inert


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Table name (default: the file name without extension).")
@click.option("--sheet", default=None, help="Spreadsheet sheet to read (default: the first).")
@click.option(
    "--into", "into", default=None, help="Add FILE's rows to this existing table (with --key)."
)
@click.option(
    "--key",
    "key",
    default=None,
    help="With --into: the column that matches FILE's rows to the table's.",
)
@click.option("--json", "as_json", is_flag=True, help="With --into: print the summary as JSON.")
@click.pass_obj
def import_cmd(
    obj: CliContext,
    file: Path,
    name: str | None,
    sheet: str | None,
    into: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Import FILE (CSV/TSV, Parquet, XLSX) as a table; the same file again opens that table.

    With --into TABLE --key COLUMN: append FILE's new rows to TABLE and update changed cells
    of rows whose KEY matches (auto-update, if on, then runs exactly those rows)."""
    from clay_tui.services import tables

    ws = obj.workspace
    if into is not None or key is not None:
        from clay_tui.cli.import_into import import_into_cmd

        import_into_cmd(ws, file, into, key, name=name, sheet=sheet, as_json=as_json)
        return
    before = {t.id for t in tables.list_tables(ws)}
    table = tables.import_table(ws, file, name=name, sheet=sheet)
    verb = "Opened existing table" if table.id in before else "Imported"
    click.echo(f"{verb} {inert(table.name)}: {table.row_count} rows, {len(table.columns)} columns")
    for notice in table.notices if table.id not in before else []:
        click.echo(f"  note: {inert(notice)}")
    names = [inert(c) for c in table.columns]  # names from the file: never escape codes
    width = max((len(c) for c in names), default=0)
    for column, shown in zip(table.columns, names, strict=True):
        click.echo(f"  {shown.ljust(width)}  {table.dtype_label(column)}")


@cli.command("tables")
@click.pass_obj
def tables_cmd(obj: CliContext) -> None:
    """List the tables in the workspace."""
    from clay_tui.services import tables

    infos = tables.list_tables(obj.workspace)
    if not infos:
        click.echo("No tables yet: `clay-tui import FILE` adds one.")
        return
    width = max(len(inert(i.name)) for i in infos)
    click.echo(f"{'id':>4}  {'name'.ljust(width)}  {'rows':>9}  {'cols':>4}  source")
    for i in infos:
        click.echo(
            f"{i.id:>4}  {inert(i.name).ljust(width)}  {i.rows:>9}  {i.columns:>4}  "
            f"{inert(i.source_path or '')}"
        )


@cli.command("export")
@click.argument("table")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: write cells that begin with = + - @ as they are (no formula-injection guard).",
)
@click.pass_obj
def export_cmd(obj: CliContext, table: str, out: Path, raw: bool) -> None:
    """Write TABLE (name or id) to OUT (.csv, .parquet or .xlsx).

    CSV cells and headers a spreadsheet would run as formulas get a leading ' unless --raw.
    """
    from clay_tui.services import tables

    lead_table = tables.find_table(obj.workspace, table)
    is_csv = Path(out).suffix.lower() == ".csv"
    if raw and is_csv:
        click.echo(
            "clay-tui: --raw: the CSV guard is off; cells that begin with = + - @ are written"
            " as they are and a spreadsheet may run them as formulas.",
            err=True,
        )
    guarded = tables.export_table(obj.workspace, lead_table, out, raw=raw)
    click.echo(f"Exported {inert(lead_table.name)} ({lead_table.row_count} rows) to {out}.")
    if guarded:
        cells = f"{guarded:,} cell{'s' if guarded != 1 else ''}"
        click.echo(
            f"  note: {cells} that a spreadsheet would run as formulas (= + - @ ...) were written"
            " with a leading ' so they read as text; --raw writes them as they are."
        )
