"""A table in the workspace: a Polars frame plus a durable journal of its edits.

The frame is kept sorted by ``_row_id`` (ids only grow), so a row id finds its
position by binary search. Every user change is written to the SQLite journal
before it returns, so ``kill -9`` right after an edit loses nothing; ``save()``
folds the journal into ``tables/<id>.parquet`` (temp file + ``os.replace``) and
records in the file which journal entry it includes, so reopening replays only
what came after.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl

from clay_tui.errors import ClayError, TableNotFound
from clay_tui.table import ops, registry
from clay_tui.table.changes import TableChange
from clay_tui.table.edits import (
    AddColumn,
    AddRows,
    DeleteColumn,
    DeleteRows,
    Edit,
    Merge,
    RenameColumn,
    SetCell,
)
from clay_tui.table.frame_reading import FrameReading
from clay_tui.table.frame_store import side_name
from clay_tui.table.journal import JournaledTable
from clay_tui.table.ops import ROW_ID
from clay_tui.table.snapshots import (
    _PENDING,
    _PENDING_LOCK,
    SEQ_KEY,
    read_snapshot,
    snapshot_path,
    wait_for_pending,
    with_row_ids,
    write_snapshot,
)
from clay_tui.table.values import coerce, dtype_of, encode, parse_text
from clay_tui.workspace import Workspace

__all__ = [
    "ROW_ID",
    "SEQ_KEY",
    "LeadTable",
    "TableChange",
    "read_snapshot",
    "snapshot_path",
    "wait_for_pending",
    "with_row_ids",
    "write_snapshot",
]


class LeadTable(FrameReading, JournaledTable):
    """One workspace table. Get it through ``services.tables`` (cached per workspace)."""

    def __init__(
        self, ws: Workspace, table_id: int, *, initial: pl.DataFrame | None = None
    ) -> None:
        """Open table ``table_id``; ``initial`` is the frame of a table being imported.

        A new table's first snapshot is written by a background thread, so opening a
        million-row file does not wait for it; if the process dies first, the next open
        rebuilds the same frame (same row ids) from the source file.
        """
        row = registry.table_row(ws, table_id)
        if row is None:
            raise TableNotFound(f"No table with id {table_id}.")
        self.ws = ws
        self.id: int = row["id"]
        self.name: str = row["name"]
        self.source_path: str | None = row["source_path"]
        self.created_at: str | None = row["created_at"]
        self.version = 0
        self.notices: list[str] = []  # what loading had to say (set on import)
        # The workspace's own lock: one lock for table and database, so a thread holding a
        # transaction and another holding the table can never wait on each other.
        self._lock: threading.RLock = ws.lock
        self._save_lock = threading.Lock()
        self._listeners: list[Callable[[TableChange], None]] = []
        self._dirty = False
        self._snapshot_thread: threading.Thread | None = None
        # Another process's stored results for this table, put back into the frame when
        # catching up brings in a column (set by ``services.tables``: table/ knows no engine).
        # (the table, the columns that came in; None: any column may have)
        self.results_loader: Callable[[LeadTable, set[str] | None], Any] | None = None
        # the number of the last cell write (the engine's ``cells.seq``) whose results are in
        # the frame: a live table reads only those after it (kept by ``services``)
        self.results_seq = 0
        self._sheet: str | None = row["sheet"]
        path = self.store.key(str(self.id))
        if initial is not None:
            self._snapshot_thread = threading.Thread(
                target=self._write_first_snapshot,
                args=(initial,),
                name=f"snapshot-{self.id}",
                daemon=False,  # the process ends after it (else a daemon's, e.g. the prefetch's)
            )
            with _PENDING_LOCK:
                _PENDING[path] = self._snapshot_thread
            self._snapshot_thread.start()
            ws.on_close(self.wait_for_snapshot)  # it needs the workspace to put it in place
        self._load(initial)

    # ------------------------------------------------------------ reading
    def position_of(self, row_id: int) -> int:
        pos, _ = ops.positions(self.frame, [row_id])
        if not pos:
            raise KeyError(row_id)
        return pos[0]

    def row(self, row_id: int) -> dict[str, Any]:
        values = self.frame.row(self.position_of(row_id), named=True)
        values.pop(ROW_ID, None)
        return values

    def has_row(self, row_id: int) -> bool:
        return bool(ops.positions(self.frame, [row_id])[0])

    # ------------------------------------------------------------ user changes (journaled)
    def set_cell(self, row_id: int, column: str, text: str | None) -> None:
        """Set one cell from what a user typed, converted to the column's type."""
        with self._writing():
            self._need_column(column)
            value = parse_text(text, self.dtype_label(column), column)
            pos = self.position_of_or_error(row_id)
            old = self.frame.get_column(column)[pos]
            self._commit(SetCell(row_id, column, encode(value), encode(old)))

    def add_row(self, values: dict[str, str | None] | None = None) -> int:
        """Append a row (values typed as text, converted per column); returns its new id."""
        with self._writing():
            row: dict[str, Any] = {}
            for column, text in (values or {}).items():
                self._need_column(column)
                row[column] = encode(parse_text(text, self.dtype_label(column), column))
            taken: list[int] = []

            def build(db: sqlite3.Connection) -> tuple[Edit, TableChange]:
                rid = db.execute(
                    "SELECT next_row_id FROM tables WHERE id = ?", (self.id,)
                ).fetchone()[0]
                db.execute("UPDATE tables SET next_row_id = ? WHERE id = ?", (rid + 1, self.id))
                taken.append(rid)
                edit = AddRows((rid,), (row,))
                return edit, edit.change()

            # the id is taken if and only if the row is journaled: one transaction
            self._commit_with(build)
            rid = taken[0]
            return rid

    def merge(
        self, updates: list[tuple[int, str, Any, Any]], new_rows: list[dict[str, Any]]
    ) -> list[int]:
        """Rows arriving from a file (see ``table.merge``): change cells of existing rows
        (typed values: row id, column, new, old) and append new rows, as ONE journal entry
        (one undo). Listeners hear one "add_rows" for the new rows and one "set" per set
        of changed columns, so auto-update runs exactly the rows whose inputs changed.
        Returns the new rows' ids."""
        if not updates and not new_rows:
            return []
        with self._writing():
            for _rid, col, _new, _old in updates:
                self._need_column(col)
            rows = [{c: encode(v) for c, v in row.items()} for row in new_rows]
            for row in rows:
                for col in row:
                    self._need_column(col)
            cells = tuple((rid, col, encode(new), encode(old)) for rid, col, new, old in updates)
            taken: list[int] = []

            def build(db: sqlite3.Connection) -> tuple[Edit, TableChange]:
                first = db.execute(
                    "SELECT next_row_id FROM tables WHERE id = ?", (self.id,)
                ).fetchone()[0]
                taken.extend(range(first, first + len(rows)))
                db.execute(
                    "UPDATE tables SET next_row_id = ? WHERE id = ?", (first + len(rows), self.id)
                )
                edit = Merge(cells=cells, ids=tuple(taken), rows=tuple(rows))
                return edit, TableChange("add_rows" if taken else "set", tuple(taken), ())

            self._commit_with(build)
        groups: dict[tuple[str, ...], set[int]] = {}
        changed: dict[int, set[str]] = {}
        for rid, col, _new, _old in updates:
            changed.setdefault(rid, set()).add(col)
        for rid, cols in changed.items():
            groups.setdefault(tuple(sorted(cols)), set()).add(rid)
        for cols, ids in groups.items():
            self._emit(TableChange("set", tuple(sorted(ids)), cols))
        return list(taken)

    def delete_rows(self, row_ids: Iterable[int]) -> int:
        """Delete the given rows (unknown ids are ignored); returns how many went."""
        with self._writing():
            pos, ids = ops.positions(self.frame, sorted(set(int(r) for r in row_ids)))
            if not ids:
                return 0
            gone = self.frame.select(pl.all().gather(pos))
            rows = [
                {k: encode(v) for k, v in r.items() if k != ROW_ID}
                for r in gone.iter_rows(named=True)
            ]
            self._commit(DeleteRows(tuple(ids), tuple(rows)))
            return len(ids)

    def rename_column(self, old: str, new: str, *, undoable: bool = True) -> None:
        """Rename a column; ``undoable=False`` as in ``add_column`` (an enrichment's
        output is renamed together with its spec, which undo does not know about)."""
        with self._writing():
            self._need_column(old)
            new = new.strip()
            if new == old:
                return
            self._check_new_name(new)
            self._commit(RenameColumn(old, new, no_undo=not undoable))

    def delete_column(self, name: str, *, undoable: bool = True) -> None:
        """Delete a column; ``undoable=False`` as in ``add_column`` (a removed enrichment
        column's outputs must not come back through undo)."""
        with self._writing():
            self._need_column(name)
            if not undoable:
                self._commit(DeleteColumn(name, no_undo=True))
                return
            index = self.columns.index(name)
            seq = self._seq + 1
            side = f"{self.id}.col{seq}.parquet"
            # the values go to a side file first, so the journal entry can always be undone
            self.store.write(side_name(side), self.frame.select(ROW_ID, name), seq)
            self._commit(DeleteColumn(name, index, self.dtype_label(name), side))

    def add_column(self, name: str, dtype: str = "text", *, undoable: bool = True) -> None:
        """Add an empty column at the end (journaled; the engine uses it for outputs).

        ``undoable=False`` keeps it off the undo stack (an enrichment's output
        column belongs to its spec, which undo does not know about).
        """
        with self._writing():
            name = name.strip()
            self._check_new_name(name)
            dtype_of(dtype)
            self._commit(AddColumn(name, dtype, no_undo=not undoable))

    # ------------------------------------------------------------ results (not journaled)
    def write_results(
        self,
        column: str,
        values: dict[int, Any],
        *,
        changed_only: bool = False,
        remote: bool = False,
        states: Mapping[int, str] | None = None,
    ) -> None:
        """Fold enrichment results into the frame.

        Not journaled: the engine's ``cells`` table in SQLite is the source of truth,
        so the next snapshot includes them and a crash loses nothing. ``changed_only``
        writes (and tells) only cells whose value differs (putting back stored results);
        ``remote`` marks the change as not this process's own (no auto-update);
        ``states`` (a run's batch: {row_id: cell state}) travels with the change.
        """
        with self._lock:
            self._need_column(column)
            if not values:
                return
            label = self.dtype_label(column)
            ids = sorted(values)
            pos, found = ops.positions(self.frame, ids)
            new_values = [coerce(values[rid], label, column) for rid in found]
            if changed_only and pos:
                series = self.frame.get_column(column)
                same = series.gather(pos).eq_missing(pl.Series(new_values, dtype=series.dtype))
                keep = [i for i, s in enumerate(same.to_list()) if not s]
                pos = [pos[i] for i in keep]
                found = [found[i] for i in keep]
                new_values = [new_values[i] for i in keep]
                if not pos:
                    return
            self.frame = ops.scatter(self.frame, column, pos, new_values)
            self._dirty = True
            self.version += 1
        told = None if states is None else {rid: states[rid] for rid in found if rid in states}
        self._emit(TableChange("results", tuple(found), (column,), remote=remote, states=told))

    def position_of_or_error(self, row_id: int) -> int:
        try:
            return self.position_of(row_id)
        except KeyError:
            raise ClayError(f"Row {row_id} is not in table {self.name}.") from None

    def _need_column(self, column: str) -> None:
        if column == ROW_ID or column not in self.frame.columns:
            raise ClayError(f"Table {self.name} has no column named {column!r}.")

    def _check_new_name(self, name: str) -> None:
        if not name:
            raise ClayError("A column name cannot be blank.")
        if name == ROW_ID:
            raise ClayError(f"{ROW_ID} is reserved for row ids; choose another column name.")
        if name in self.frame.columns:
            raise ClayError(f"Table {self.name} already has a column named {name!r}.")
