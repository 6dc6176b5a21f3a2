"""Stored enrichment columns (``enrich_columns``) and their TOML recipes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import tomli_w

from clay_tui.clock import iso
from clay_tui.config import read_toml
from clay_tui.enrich import graph, store
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.reconcile import _run_alive
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.validate import normalize
from clay_tui.errors import ColumnSpecError
from clay_tui.table.lead_table import LeadTable
from clay_tui.table.values import dtype_of
from clay_tui.workspace import Workspace


def _from_row(row) -> ColumnSpec:
    spec = ColumnSpec.from_dict(json.loads(row["spec"]))
    spec.id = row["id"]
    spec.auto_update = bool(row["auto_update"])
    return spec


def list_columns(ws: Workspace, table: LeadTable) -> list[ColumnSpec]:
    store.ensure(ws)
    rows = ws.db.execute(
        "SELECT * FROM enrich_columns WHERE table_id = ? AND removed_at IS NULL ORDER BY id",
        (table.id,),
    ).fetchall()
    return [_from_row(r) for r in rows]


def get_column(ws: Workspace, table: LeadTable, name: str) -> ColumnSpec:
    store.ensure(ws)
    row = ws.db.execute(
        "SELECT * FROM enrich_columns WHERE table_id = ? AND name = ? AND removed_at IS NULL",
        (table.id, name),
    ).fetchone()
    if row is None:
        names = [c.name for c in list_columns(ws, table)]
        hint = (
            f" (enrichment columns: {', '.join(names)})"
            if names
            else " (it has no enrichment columns yet; add one with add-column)"
        )
        raise ColumnSpecError(f"Table {table.name} has no enrichment column {name!r}{hint}.")
    return _from_row(row)


class _Preview:
    """The table as it will be once some columns are added: what ``normalize`` checks a
    recipe's later columns against, before anything is written."""

    def __init__(self, table: LeadTable) -> None:
        self.name = table.name
        self.frame = table.frame.head(0)

    @property
    def columns(self) -> list[str]:
        return self.frame.columns[1:]

    def add(self, spec: ColumnSpec) -> None:
        info = ACTIONS[spec.action]
        self.frame = self.frame.with_columns(
            pl.lit(None, dtype=dtype_of(info.output_types(spec).get(fld, "text"))).alias(col)
            for fld, col in spec.outputs.items()
        )


def check_columns(ws: Workspace, table: LeadTable, specs: list[ColumnSpec]) -> list[ColumnSpec]:
    """Every spec checked as if the ones before it were added (names, table, graph):
    the normalized specs, or one sentence about the first problem; nothing is written."""
    store.ensure(ws)
    others = list_columns(ws, table)
    seen: set[str] = set()
    for spec in specs:
        name = spec.name.strip()
        if name in seen:
            raise ColumnSpecError(f"Two columns are named {name!r}; each needs its own name.")
        seen.add(name)
        if any(o.name == name for o in others):
            raise ColumnSpecError(f"Table {table.name} already has an enrichment column {name!r}.")
    preview = _Preview(table)
    checked: list[ColumnSpec] = []
    for spec in specs:
        spec = normalize(spec, preview, ws.settings, others + checked)  # type: ignore[arg-type]
        preview.add(spec)
        checked.append(spec)
    for spec in checked:
        graph.check(others + checked, spec)
    return checked


def add_columns(ws: Workspace, table: LeadTable, specs: list[ColumnSpec]) -> list[ColumnSpec]:
    """Add several columns (a recipe): all are checked first, then all are added in one
    transaction, so a bad column adds none."""
    checked = check_columns(ws, table, specs)
    with ws.transaction():
        for spec in checked:
            info = ACTIONS[spec.action]
            for fld, col in spec.outputs.items():
                table.add_column(col, info.output_types(spec).get(fld, "text"), undoable=False)
            cur = ws.db.execute(
                "INSERT INTO enrich_columns (table_id, name, kind, spec, auto_update,"
                " created_at) VALUES (?,?,?,?,?,?) RETURNING id",
                (
                    table.id,
                    spec.name,
                    spec.kind,
                    json.dumps(spec.to_dict()),
                    int(spec.auto_update),
                    iso(ws.clock.now()),
                ),
            )
            spec.id = int(cur.fetchone()[0])
    return checked


def add_column(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> ColumnSpec:
    """Validate (the table, the action, the column graph), create the output columns in the
    table, store the spec."""
    return add_columns(ws, table, [spec])[0]


def set_auto_update(ws: Workspace, table: LeadTable, name: str, on: bool) -> None:
    spec = get_column(ws, table, name)
    spec.auto_update = on
    with ws.transaction():
        ws.db.execute(
            "UPDATE enrich_columns SET auto_update = ?, spec = ? WHERE id = ?",
            (int(on), json.dumps(spec.to_dict()), spec.id),
        )


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave as it is" (None is a real value: no condition, no limit)


def _refuse_if_running(ws: Workspace, table: LeadTable, spec: ColumnSpec, verb: str) -> None:
    if any(_run_alive(ws, r) for r in store.live_holders(ws, table.id, spec.id)):
        raise ColumnSpecError(f"Column {spec.name} is running; stop its run before you {verb} it.")


def _readers(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> list[tuple[str, str]]:
    """(other column, output of ``spec`` it reads) for each column that depends on ``spec``."""
    outs = set(spec.outputs.values())
    found: list[tuple[str, str]] = []
    for other in list_columns(ws, table):
        if other.id == spec.id:
            continue
        hit = next((c for c in graph.read_columns(other) if c in outs), None)
        if hit is not None:
            found.append((other.name, hit))
    return found


def check_data_column_change(ws: Workspace, table: LeadTable, column: str, verb: str) -> None:
    """Refuse to delete or rename a table column that enrichment columns read, naming them."""
    store.ensure(ws)
    readers = graph.ColumnGraph(list_columns(ws, table)).readers(column)
    if readers:
        raise ColumnSpecError(graph.readers_sentence(column, readers, verb))


def delete_data_column(ws: Workspace, table: LeadTable, column: str) -> None:
    """Delete a data column (undoable), unless an enrichment column reads it."""
    check_data_column_change(ws, table, column, "delete")
    table.delete_column(column)


def rename_data_column(ws: Workspace, table: LeadTable, old: str, new: str) -> None:
    """Rename a data column (undoable), unless an enrichment column reads it (renaming would
    leave that column reading a name nobody has, which a later column could take)."""
    if new.strip() != old:
        check_data_column_change(ws, table, old, "rename")
        readers = graph.ColumnGraph(list_columns(ws, table)).readers(new.strip())
        if new.strip() and readers:
            raise ColumnSpecError(
                f"Cannot rename {old} to {new.strip()}: {readers[0][0]} reads "
                f"a column of that name; edit {readers[0][0]} first."
            )
    table.rename_column(old, new)


def remove_column(ws: Workspace, table: LeadTable, name: str) -> ColumnSpec:
    """Remove an enrichment column: its output columns and stored cell results go, its spec
    row stays marked ``removed_at`` so spend history (the ledger, never touched) and
    reports still name it. The outputs are deleted off the undo stack: undo cannot bring
    back columns whose spec is gone."""
    spec = get_column(ws, table, name)
    _refuse_if_running(ws, table, spec, "remove")
    g = graph.ColumnGraph(list_columns(ws, table))
    # a column in a cycle with this one (an older version's) never blocks breaking the cycle
    readers = [
        r
        for r in _readers(ws, table, spec)
        if r[0] not in g.downstream(spec.name) or spec.name not in g.downstream(r[0])
    ]
    if readers:
        other, col = readers[0]
        raise ColumnSpecError(f"Column {other} reads {col!r}; remove or edit {other} first.")
    with ws.transaction():
        ws.db.execute(
            "UPDATE enrich_columns SET removed_at = ? WHERE id = ?", (iso(ws.clock.now()), spec.id)
        )
        ws.db.execute("DELETE FROM cells WHERE table_id = ? AND column_id = ?", (table.id, spec.id))
        for col in spec.outputs.values():
            if col in table.columns:
                table.delete_column(col, undoable=False)
    return spec


def update_column(
    ws: Workspace,
    table: LeadTable,
    name: str,
    *,
    condition: Any = UNSET,
    auto_update: Any = UNSET,
    spend_limit: Any = UNSET,
    new_name: Any = UNSET,
) -> ColumnSpec:
    """Change a column's condition, auto-update switch, spend limit or name (validated
    like ``add_column``); a new name also renames the output column that carries it."""
    spec = get_column(ws, table, name)
    _refuse_if_running(ws, table, spec, "edit")
    edited = ColumnSpec.from_dict(spec.to_dict())
    edited.id = spec.id
    if condition is not UNSET:
        edited.condition = condition.strip() or None if isinstance(condition, str) else condition
    if auto_update is not UNSET:
        edited.auto_update = bool(auto_update)
    if spend_limit is not UNSET:
        edited.spend_limit = spend_limit
    renames: dict[str, str] = {}
    if new_name is not UNSET and str(new_name).strip() != spec.name:
        new = str(new_name).strip()
        if not new:
            raise ColumnSpecError("The column needs a name.")
        if new == "_row_id" or new in table.columns:
            raise ColumnSpecError(f"Table {table.name} already has a column named {new!r}.")
        readers = [r for r in _readers(ws, table, spec) if r[1] == spec.name]
        if readers:
            raise ColumnSpecError(
                f"Column {readers[0][0]} reads {spec.name!r}; edit it before renaming {spec.name}."
            )
        edited.name = new
        edited.outputs = {f: (new if c == spec.name else c) for f, c in spec.outputs.items()}
        renames = {spec.name: new}
    others = [o for o in list_columns(ws, table) if o.id != spec.id]
    edited = normalize(edited, table, ws.settings, others, new=False)
    edited.id = spec.id
    if condition is not UNSET or renames:  # what can change the graph (a switch or a limit
        graph.check(others + [edited], edited)  # stays editable on an old cycle)
    with ws.transaction():
        ws.db.execute(
            "UPDATE enrich_columns SET name = ?, spec = ?, auto_update = ? WHERE id = ?",
            (edited.name, json.dumps(edited.to_dict()), int(edited.auto_update), spec.id),
        )
        for old, new in renames.items():
            if old in table.columns:
                table.rename_column(old, new, undoable=False)
    return edited


def load_recipe(path: Path) -> list[ColumnSpec]:
    """Column specs from a TOML recipe: ``[[column]]`` tables (or one top-level column)."""
    raw = read_toml(Path(path), "Recipe", ColumnSpecError)  # size and depth checked first
    items = raw.get("column", [raw] if "action" in raw else [])
    if isinstance(items, dict):
        items = [items]
    if not items:
        raise ColumnSpecError(f"Recipe {path} has no [[column]] table.")
    return [
        ColumnSpec.from_dict(item, where=f"Recipe {path.name} column {i + 1}")
        for i, item in enumerate(items)
    ]


def export_recipes(ws: Workspace, table: LeadTable, out: Path) -> None:
    specs = list_columns(ws, table)
    if not specs:
        raise ColumnSpecError(f"Table {table.name} has no enrichment columns to export.")
    doc = {"column": [s.to_dict() for s in specs]}
    Path(out).write_text(tomli_w.dumps(doc), encoding="utf-8")


def sync_results(
    ws: Workspace, table: LeadTable, columns: set[str] | None = None, *, remote: bool = False
) -> int:
    """Fold the stored cell values (``cells``, the source of truth) into the table's output
    columns (only those in ``columns``, if given); only cells that differ are written.

    The frame's copy of results is only saved with the next snapshot, so after a crash or
    kill the snapshot may lag behind ``cells``; this brings it level. ``remote``: the
    results came with another process's change (auto-update leaves them alone). Returns
    the number of cells written.
    """
    specs = list_columns(ws, table)
    if columns is not None:
        specs = [s for s in specs if columns & set(s.outputs.values())]
    if not specs:
        return 0
    store.ensure(ws)
    written = 0
    present = set(table.frame.get_column("_row_id").to_list())
    for spec in specs:
        per_col: dict[str, dict[int, object]] = {c: {} for c in spec.outputs.values()}
        for row in ws.db.execute(
            "SELECT row_id, value FROM cells WHERE table_id = ? AND column_id = ?",
            (table.id, spec.id),
        ):
            if row["row_id"] not in present:
                continue
            values = json.loads(row["value"]) if row["value"] else {}
            for fld, col in spec.outputs.items():
                per_col[col][row["row_id"]] = values.get(fld)
        for col, values in per_col.items():
            if col in table.columns and values:
                before = table.version
                table.write_results(col, values, changed_only=True, remote=remote)
                written += len(values) if table.version != before else 0
    return written
