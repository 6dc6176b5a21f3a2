"""CLI verbs for tables: ``import``, ``tables``, ``export``."""

from __future__ import annotations

from pathlib import Path

import click

from clay_tui.cli.context import CliContext
from clay_tui.cli.main import cli


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Table name (default: the file name without extension).")
@click.option("--sheet", default=None, help="Spreadsheet sheet to read (default: the first).")
@click.option("--into", "into", default=None,
              help="Add FILE's rows to this existing table (with --key).")
@click.option("--key", "key", default=None,
              help="With --into: the column that matches FILE's rows to the table's.")
@click.option("--json", "as_json", is_flag=True, help="With --into: print the summary as JSON.")
@click.pass_obj
def import_cmd(obj: CliContext, file: Path, name: str | None, sheet: str | None,
               into: str | None, key: str | None, as_json: bool) -> None:
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
    click.echo(f"{verb} {table.name}: {table.row_count} rows, {len(table.columns)} columns")
    for notice in table.notices if table.id not in before else []:
        click.echo(f"  note: {notice}")
    width = max((len(c) for c in table.columns), default=0)
    for column in table.columns:
        click.echo(f"  {column.ljust(width)}  {table.dtype_label(column)}")


@cli.command("tables")
@click.pass_obj
def tables_cmd(obj: CliContext) -> None:
    """List the tables in the workspace."""
    from clay_tui.services import tables

    infos = tables.list_tables(obj.workspace)
    if not infos:
        click.echo("No tables yet: `clay-tui import FILE` adds one.")
        return
    width = max(len(i.name) for i in infos)
    click.echo(f"{'id':>4}  {'name'.ljust(width)}  {'rows':>9}  {'cols':>4}  source")
    for i in infos:
        click.echo(
            f"{i.id:>4}  {i.name.ljust(width)}  {i.rows:>9}  {i.columns:>4}  {i.source_path or ''}"
        )


@cli.command("export")
@click.argument("table")
@click.argument("out", type=click.Path(path_type=Path))
@click.pass_obj
def export_cmd(obj: CliContext, table: str, out: Path) -> None:
    """Write TABLE (name or id) to OUT (.csv, .parquet or .xlsx)."""
    from clay_tui.services import tables

    lead_table = tables.find_table(obj.workspace, table)
    tables.export_table(obj.workspace, lead_table, out)
    click.echo(f"Exported {lead_table.name} ({lead_table.row_count} rows) to {out}.")
