"""New rows arriving: ``import FILE --into TABLE --key COLUMN`` (and the TUI's table menu).

The file's new rows are appended and changed cells of existing rows updated, matched
on the key column (rules in ``table.merge``), as one journal entry: undoable and
crash-safe like any edit. What runs next is auto-update's business: with the table's
switch on, the rows added and the rows whose inputs or condition columns changed run
(the CLI flushes an ``AutoUpdater``; the TUI's own auto-update queue sees the same
changes), labelled ``auto-update``. With it off nothing runs, and the result says how
many rows wait per enrichment column and the most running them could cost.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clay_tui.enrich.columns import list_columns
from clay_tui.enrich.estimate import estimate
from clay_tui.enrich.rows import RowSelection
from clay_tui.enrich.spec import ColumnSpec, formula_columns, referenced_columns
from clay_tui.table.lead_table import LeadTable, TableChange
from clay_tui.table.loading import load_file
from clay_tui.table.merge import KEY_MAX, MergePlan, plan_merge
from clay_tui.workspace import Workspace


@dataclass
class Waiting:
    """Rows an enrichment column would run on after the import."""

    column: str
    rows: int  # rows picked (new or with a changed input/condition column)
    to_run: int  # of those, rows that would call (condition met, inputs present)
    max_credits: int


@dataclass
class ImportResult:
    table: str
    key: str
    file_rows: int
    added: list[int]
    updated_rows: int
    cells_changed: int
    unchanged_rows: int
    blank_keys: int
    long_keys: int
    file_duplicates: int
    table_duplicate_keys: int
    ignored_columns: list[str]
    protected_columns: list[str]
    auto_update: bool
    waiting: list[Waiting] = field(default_factory=list)

    @property
    def max_credits(self) -> int:
        return sum(w.max_credits for w in self.waiting)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["added"] = len(self.added)
        out["max_credits"] = self.max_credits
        return out

    def lines(self) -> list[str]:
        """The summary in sentences (CLI output, TUI notification)."""
        out = [
            f"{self.table}: {len(self.added):,} new row(s) added, {self.updated_rows:,} "
            f"row(s) updated ({self.cells_changed:,} cell(s) changed), "
            f"{self.unchanged_rows:,} unchanged; matched on {self.key}."
        ]
        if self.blank_keys or self.long_keys:
            out.append(
                f"{self.blank_keys + self.long_keys:,} file row(s) with a blank key or "
                f"one over {KEY_MAX} characters never match: added as new rows."
            )
        if self.file_duplicates:
            out.append(
                f"{self.file_duplicates:,} file row(s) repeat a key seen earlier in the "
                "file: skipped."
            )
        if self.table_duplicate_keys:
            out.append(
                f"{self.table_duplicate_keys:,} key(s) appear on several rows of "
                f"{self.table}: the oldest row of each was matched."
            )
        if self.ignored_columns:
            out.append("Not in the table, ignored: " + ", ".join(self.ignored_columns) + ".")
        if self.protected_columns:
            out.append("Enrichment results, left alone: " + ", ".join(self.protected_columns) + ".")
        if not self.auto_update and self.waiting:
            parts = ", ".join(
                f"{w.column} {w.to_run:,} row(s) (up to {w.max_credits:,} credits)"
                for w in self.waiting
            )
            out.append(
                f"Auto-update is off: nothing ran. Waiting: {parts}; up to "
                f"{self.max_credits:,} credits in all. Run them with `clay-tui run` "
                "or turn auto-update on."
            )
        elif not self.auto_update:
            out.append(
                "Auto-update is off: nothing ran, and no enrichment column needs "
                "to run on these rows."
            )
        elif self.waiting:
            parts = ", ".join(
                f"{w.column} {w.to_run:,} row(s) (up to {w.max_credits:,} credits)"
                for w in self.waiting
            )
            out.append(f"Auto-update runs them: {parts}.")
        return out


def trigger_columns(spec: ColumnSpec) -> set[str]:
    """Columns whose change makes ``spec`` run again: its inputs and its condition's."""
    cols = set(referenced_columns(spec))
    if spec.condition:
        cols |= set(formula_columns(spec.condition))
    return cols - set(spec.outputs.values())


def rows_to_run(specs: list[ColumnSpec], changes: list[TableChange]) -> dict[str, set[int]]:
    """Which enrichment columns the import's changes would run, on which rows."""
    out: dict[str, set[int]] = {}
    for change in changes:
        if not change.row_ids:
            continue
        for spec in specs:
            if change.kind == "add_rows" or set(change.columns) & trigger_columns(spec):
                out.setdefault(spec.name, set()).update(change.row_ids)
    return out


def plan_file(
    ws: Workspace, table: LeadTable, path: Path, key: str, *, sheet: str | None = None
) -> MergePlan:
    """What importing ``path`` into ``table`` on ``key`` would do (nothing is changed)."""
    loaded = load_file(Path(path).expanduser(), sheet=sheet)
    specs = list_columns(ws, table)
    protected = {c for s in specs for c in s.outputs.values()} | {s.name for s in specs}
    labels = {c: table.dtype_label(c) for c in table.columns}
    return plan_merge(
        table.frame, labels, loaded.frame, key.strip(), protected=protected, table_name=table.name
    )


def import_into(
    ws: Workspace, table: LeadTable, path: Path, key: str, *, sheet: str | None = None
) -> ImportResult:
    """Merge ``path`` (its ``sheet``, for a spreadsheet) into ``table`` on ``key`` (one
    journal entry)."""
    from clay_tui.services.tables import table_auto_update

    plan = plan_file(ws, table, path, key, sheet=sheet)
    changes: list[TableChange] = []
    unsubscribe = table.subscribe(changes.append)
    try:
        added = table.merge(plan.updates, plan.new_rows)
    finally:
        unsubscribe()
    on = table_auto_update(ws, table)
    waiting: list[Waiting] = []
    specs = [s for s in list_columns(ws, table) if s.auto_update or not on]
    for name, ids in rows_to_run(specs, changes).items():
        spec = next(s for s in specs if s.name == name)
        est = estimate(ws, table, spec, RowSelection("ids", ids=tuple(sorted(ids)), force=True))
        waiting.append(Waiting(name, len(ids), est.rows_to_run, est.max_credits))
    return ImportResult(
        table=table.name,
        key=plan.key,
        file_rows=plan.file_rows,
        added=added,
        updated_rows=plan.updated_rows,
        cells_changed=len(plan.updates),
        unchanged_rows=plan.unchanged,
        blank_keys=plan.blank_keys,
        long_keys=plan.long_keys,
        file_duplicates=plan.file_duplicates,
        table_duplicate_keys=plan.table_duplicate_keys,
        ignored_columns=plan.ignored_columns,
        protected_columns=plan.protected_columns,
        auto_update=on,
        waiting=waiting,
    )
