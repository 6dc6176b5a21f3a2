"""Stored enrichment columns (``enrich_columns``) and their TOML recipes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import tomli_w

from clay_tui.clock import iso
from clay_tui.enrich import store
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.validate import normalize
from clay_tui.errors import ColumnSpecError
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace


def _from_row(row) -> ColumnSpec:
    spec = ColumnSpec.from_dict(json.loads(row["spec"]))
    spec.id = row["id"]
    spec.auto_update = bool(row["auto_update"])
    return spec


def list_columns(ws: Workspace, table: LeadTable) -> list[ColumnSpec]:
    store.ensure(ws)
    rows = ws.db.execute("SELECT * FROM enrich_columns WHERE table_id = ? ORDER BY id",
                         (table.id,)).fetchall()
    return [_from_row(r) for r in rows]


def get_column(ws: Workspace, table: LeadTable, name: str) -> ColumnSpec:
    store.ensure(ws)
    row = ws.db.execute("SELECT * FROM enrich_columns WHERE table_id = ? AND name = ?",
                        (table.id, name)).fetchone()
    if row is None:
        names = [c.name for c in list_columns(ws, table)]
        hint = f" (enrichment columns: {', '.join(names)})" if names else \
            " (it has no enrichment columns yet; add one with add-column)"
        raise ColumnSpecError(f"Table {table.name} has no enrichment column {name!r}{hint}.")
    return _from_row(row)


def add_column(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> ColumnSpec:
    """Validate, create the output columns in the table, store the spec."""
    store.ensure(ws)
    others = list_columns(ws, table)
    if any(o.name == spec.name for o in others):
        raise ColumnSpecError(f"Table {table.name} already has an enrichment column "
                              f"{spec.name!r}.")
    spec = normalize(spec, table, ws.settings, others)
    info = ACTIONS[spec.action]
    for fld, col in spec.outputs.items():
        table.add_column(col, info.outputs.get(fld, "text"), undoable=False)
    with ws.transaction():
        cur = ws.db.execute(
            "INSERT INTO enrich_columns (table_id, name, kind, spec, auto_update, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (table.id, spec.name, spec.kind, json.dumps(spec.to_dict()), int(spec.auto_update),
             iso(ws.clock.now())),
        )
    spec.id = cur.lastrowid
    return spec


def set_auto_update(ws: Workspace, table: LeadTable, name: str, on: bool) -> None:
    spec = get_column(ws, table, name)
    spec.auto_update = on
    with ws.transaction():
        ws.db.execute("UPDATE enrich_columns SET auto_update = ?, spec = ? WHERE id = ?",
                      (int(on), json.dumps(spec.to_dict()), spec.id))


def load_recipe(path: Path) -> list[ColumnSpec]:
    """Column specs from a TOML recipe: ``[[column]]`` tables (or one top-level column)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ColumnSpecError(f"Recipe {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ColumnSpecError(f"Recipe {path} is not valid TOML: {exc}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ColumnSpecError(f"Recipe {path} cannot be read: {exc}.") from None
    items = raw.get("column", [raw] if "action" in raw else [])
    if isinstance(items, dict):
        items = [items]
    if not items:
        raise ColumnSpecError(f"Recipe {path} has no [[column]] table.")
    return [ColumnSpec.from_dict(item, where=f"Recipe {path.name} column {i + 1}")
            for i, item in enumerate(items)]


def export_recipes(ws: Workspace, table: LeadTable, out: Path) -> None:
    specs = list_columns(ws, table)
    if not specs:
        raise ColumnSpecError(f"Table {table.name} has no enrichment columns to export.")
    doc = {"column": [s.to_dict() for s in specs]}
    Path(out).write_text(tomli_w.dumps(doc), encoding="utf-8")


def sync_results(ws: Workspace, table: LeadTable) -> int:
    """Fold the stored cell values (the source of truth) into the table's output columns.

    The frame's copy of results is only saved with the next snapshot, so after a crash
    or kill the snapshot may lag behind ``cells``; this brings it level. Returns the
    number of cells written.
    """
    store.ensure(ws)
    written = 0
    present = set(table.frame.get_column("_row_id").to_list())
    for spec in list_columns(ws, table):
        per_col: dict[str, dict[int, object]] = {c: {} for c in spec.outputs.values()}
        for row in ws.db.execute("SELECT row_id, value FROM cells WHERE table_id = ? AND"
                                 " column_id = ?", (table.id, spec.id)):
            if row["row_id"] not in present:
                continue
            values = json.loads(row["value"]) if row["value"] else {}
            for fld, col in spec.outputs.items():
                per_col[col][row["row_id"]] = values.get(fld)
        for col, values in per_col.items():
            if col in table.columns and values:
                table.write_results(col, values)
                written += len(values)
    return written
