"""A table in the workspace: a Polars frame plus a durable journal of its edits.

The frame is kept sorted by ``_row_id`` (ids only grow), so a row id finds its
position by binary search. Every user change is written to the SQLite journal
before it returns, so ``kill -9`` right after an edit loses nothing; ``save()``
folds the journal into ``tables/<id>.parquet`` (temp file + ``os.replace``) and
records in the file which journal entry it includes, so reopening replays only
what came after.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from clay_tui.clock import iso
from clay_tui.errors import ClayError, TableNotFound
from clay_tui.table import ops, registry
from clay_tui.table.changes import TableChange
from clay_tui.table.ops import ROW_ID
from clay_tui.table.values import coerce, dtype_of, encode, label_of, parse_text
from clay_tui.workspace import Workspace

SEQ_KEY = "clay_tui_journal_seq"

__all__ = ["ROW_ID", "TableChange", "LeadTable", "snapshot_path", "with_row_ids"]


_CHANGE_KIND = {
    "set": "set",
    "add_rows": "add_rows",
    "delete_rows": "delete_rows",
    "rename_column": "rename_column",
    "delete_column": "delete_column",
    "add_column": "add_column",
    "restore_column": "add_column",
    "merge": "set",
}


# First snapshots being written in this process, by path: another handle on the
# same table (a second Workspace object, a CLI verb run in-process) waits for it.
_PENDING: dict[Path, threading.Thread] = {}
_PENDING_LOCK = threading.Lock()


def wait_for_pending(path: Path) -> None:
    """Block until a background write of ``path`` started by this process is done."""
    with _PENDING_LOCK:
        thread = _PENDING.get(path)
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def snapshot_path(ws: Workspace, table_id: int) -> Path:
    return ws.tables_dir / f"{table_id}.parquet"


def write_snapshot(frame: pl.DataFrame, path: Path, seq: int) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    _install(_write_temp(frame, path, seq), path)


def _write_temp(frame: pl.DataFrame, path: Path, seq: int) -> Path:
    """The new file next to ``path``, written and fsynced, not yet in place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        frame.write_parquet(tmp, metadata={SEQ_KEY: str(seq)}, compression="lz4")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _install(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _install_first(tmp: Path, path: Path) -> None:
    """Put a table's first snapshot (seq 0) in place, unless a save got there first."""
    try:
        newer = int(pl.read_parquet_metadata(path).get(SEQ_KEY, "0")) > 0
    except Exception:  # noqa: BLE001 - no file (or no usable one): ours goes in
        newer = False
    if newer:
        tmp.unlink(missing_ok=True)
    else:
        _install(tmp, path)


def with_row_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Data columns as a table frame: ``_row_id`` 1..N first, in file order."""
    return frame.with_row_index(ROW_ID, offset=1).with_columns(pl.col(ROW_ID).cast(pl.Int64))


def read_snapshot(path: Path) -> tuple[pl.DataFrame, int]:
    """The frame and the journal seq it includes, both from the same file: another process
    replacing it between the two reads (a frame without a column, the seq of a file with
    it) would hide that column for good, so read again until the file stayed put."""
    for attempt in range(5):
        before = _identity(path)
        try:
            frame = pl.read_parquet(path, glob=False)  # a folder "w[1]" is a name, not a pattern
            meta = pl.read_parquet_metadata(path)
        except Exception:  # a read across a replacement can fail too (a column came in)
            if attempt < 4 and _identity(path) != before:
                continue
            raise
        if _identity(path) == before:
            break
    return frame, int(meta.get(SEQ_KEY, "0"))


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


class LeadTable:
    """One workspace table. Get it through ``services.tables`` (cached per workspace)."""

    KEEP_ENTRIES = 1000  # journal entries kept after a save, so undo reaches back that far

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
        self._sheet: str | None = row["sheet"]
        path = snapshot_path(ws, self.id)
        if initial is not None:
            self._snapshot_thread = threading.Thread(
                target=self._write_first_snapshot, args=(initial,), name=f"snapshot-{self.id}"
            )
            with _PENDING_LOCK:
                _PENDING[path] = self._snapshot_thread
            self._snapshot_thread.start()
        self._load(initial)

    def _load(self, initial: pl.DataFrame | None = None) -> None:
        """Read the snapshot and replay the journal after it (``initial``: a new table's frame).

        A snapshot written by another process between reading the file and reading the
        journal can have pruned entries this file lacks: then read both again.
        """
        path = snapshot_path(self.ws, self.id)
        for _attempt in range(3):
            if initial is not None:
                frame, snap_seq = initial, 0
            else:
                wait_for_pending(path)
                try:
                    frame, snap_seq = read_snapshot(path)
                except FileNotFoundError:
                    frame, snap_seq = self._rebuild(self._sheet, path), 0
                except Exception:  # noqa: BLE001 - any failure means the file cannot be used
                    raise ClayError(
                        f"The data of table {self.name} cannot be read ({path})."
                    ) from None
            entries = registry.journal_entries(self.ws, self.id)
            if not (entries and entries[0][0] > snap_seq + 1) or initial is not None:
                break  # nothing after the snapshot was pruned away
        self._snapshot_seq = snap_seq
        self._seq = snap_seq
        self._undo: list[tuple[int, str, dict[str, Any]]] = []
        frame, _, skipped = self._apply_entries(frame, entries, remote=False)
        self.frame: pl.DataFrame = frame.rechunk()
        if skipped:
            self.notices.append(f"{skipped} saved edit(s) of {self.name} could not be replayed.")

    def _apply_entries(
        self,
        frame: pl.DataFrame,
        entries: list[tuple[int, str, dict[str, Any], bool]],
        *,
        remote: bool,
    ) -> tuple[pl.DataFrame, list[TableChange], int]:
        """Replay journal entries newer than ``self._seq`` onto ``frame``, keeping the undo
        stack as the entries say; returns (frame, the changes, how many could not replay)."""
        changes: list[TableChange] = []
        skipped = 0
        for seq, op, payload, undone in entries:
            if seq > self._seq:
                try:
                    frame = self._replay(frame, op, payload)
                except Exception:  # noqa: BLE001 - one bad entry must not lock the table away
                    skipped += 1
                else:
                    if remote:
                        changes.append(_change_of(op, payload, remote=True))
            if op != "undo" and not undone and not payload.get("no_undo"):
                self._undo.append((seq, op, payload))
            elif op == "undo":
                self._undo = [u for u in self._undo if u[0] != payload["target"]]
            self._seq = max(self._seq, seq)
        return frame, changes, skipped

    def _catch_up(self) -> list[TableChange]:
        """Bring this copy level with the journal: replay what other processes wrote since
        this handle last looked (call with the lock held). A copy that fell behind a pruning
        save (entries it never saw are gone) is read again from the snapshot."""
        entries = registry.journal_entries(self.ws, self.id, after=self._seq)
        if not entries:
            return []
        if entries[0][0] != self._seq + 1:  # seqs are consecutive: some were pruned
            columns = set(self.columns)
            self._load()
            self.version += 1
            added = tuple(c for c in self.columns if c not in columns)
            change = TableChange("add_column" if added else "reload", (), added, remote=True)
            return [change]
        frame, changes, skipped = self._apply_entries(self.frame, entries, remote=True)
        if skipped:
            self.notices.append(f"{skipped} edit(s) of {self.name} could not be replayed.")
        self.frame = frame
        self.version += 1
        return changes

    def refresh(self) -> list[TableChange]:
        """Catch up with what other processes journaled; listeners hear of each change."""
        with self._lock:
            changes = self._caught_up()
            self._load_results(changes)
        return changes

    def _caught_up(self) -> list[TableChange]:
        """Catch up and tell the listeners (lock held)."""
        changes = self._catch_up()
        for change in changes:
            self._emit(change)
        return changes

    def _load_results(self, changes: list[TableChange]) -> None:
        """A column came in from another process: put back its stored results (the engine's
        ``cells``). Never inside a transaction, which is kept short."""
        if self.results_loader is None:
            return
        if any(c.kind == "reload" for c in changes):
            self.results_loader(self, None)
            return
        columns = {c.columns[-1] for c in changes if c.kind in ("add_column", "rename_column")}
        if columns:
            self.results_loader(self, columns)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Lock, write transaction, caught up: a change is checked against the table as
        every process has left it, and journaled after everything already there."""
        with self._lock:
            changes: list[TableChange] = []
            try:
                with self.ws.transaction():
                    changes = self._caught_up()
                    yield
            finally:
                self._load_results(changes)

    def _write_first_snapshot(self, frame: pl.DataFrame) -> None:
        path = snapshot_path(self.ws, self.id)
        try:
            _install_first(_write_temp(frame, path, 0), path)
        except OSError:
            self._dirty = True  # the next save() writes it
        finally:
            with _PENDING_LOCK:
                if _PENDING.get(path) is threading.current_thread():
                    del _PENDING[path]

    def wait_for_snapshot(self) -> None:
        """Block until a new table's first snapshot is on disk."""
        thread = self._snapshot_thread
        if thread is not None:
            thread.join()
            self._snapshot_thread = None

    def _rebuild(self, sheet: str | None, path: Path) -> pl.DataFrame:
        """The import's frame again, from the source file (the first snapshot never landed)."""
        from clay_tui.table.loading import load_file

        source = Path(self.source_path) if self.source_path else None
        if source is None or not source.is_file():
            raise ClayError(f"The data of table {self.name} is missing ({path}).")
        frame = with_row_ids(load_file(source, sheet=sheet).frame)
        _install_first(_write_temp(frame, path, 0), path)
        self.notices.append(f"Rebuilt {self.name} from {source}: its saved copy was missing.")
        return frame

    # ------------------------------------------------------------ reading
    @property
    def columns(self) -> list[str]:
        return self.frame.columns[1:]

    @property
    def row_count(self) -> int:
        return self.frame.height

    @property
    def dirty(self) -> bool:
        """True when there is something ``save()`` would write."""
        return self._dirty or self._seq != self._snapshot_seq

    def dtype_label(self, column: str) -> str:
        # one column's dtype, not ``frame.schema[column]``: the schema is built afresh per
        # call, so labelling every column of a wide table was quadratic
        try:
            return label_of(self.frame.get_column(column).dtype)
        except pl.exceptions.ColumnNotFoundError:
            raise KeyError(column) from None

    def dtype_labels(self) -> dict[str, str]:
        """Every column's type label in one pass (one ``label_of`` per distinct dtype)."""
        names, dtypes = self.frame.columns[1:], self.frame.dtypes[1:]  # after ROW_ID
        labels = {d: label_of(d) for d in set(dtypes)}
        return {c: labels[d] for c, d in zip(names, dtypes, strict=True)}

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

    # ------------------------------------------------------------ listeners
    def subscribe(self, listener: Callable[[TableChange], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, change: TableChange) -> None:
        for listener in list(self._listeners):
            listener(change)

    # ------------------------------------------------------------ user changes (journaled)
    def set_cell(self, row_id: int, column: str, text: str | None) -> None:
        """Set one cell from what a user typed, converted to the column's type."""
        with self._writing():
            self._need_column(column)
            value = parse_text(text, self.dtype_label(column), column)
            pos = self.position_of_or_error(row_id)
            old = self.frame.get_column(column)[pos]
            payload = {"row": row_id, "col": column, "value": encode(value), "old": encode(old)}
            self._commit("set", payload, TableChange("set", (row_id,), (column,)))

    def add_row(self, values: dict[str, str | None] | None = None) -> int:
        """Append a row (values typed as text, converted per column); returns its new id."""
        with self._writing():
            row: dict[str, Any] = {}
            for column, text in (values or {}).items():
                self._need_column(column)
                row[column] = encode(parse_text(text, self.dtype_label(column), column))
            taken: list[int] = []

            def build(db: sqlite3.Connection) -> tuple[dict[str, Any], TableChange]:
                rid = db.execute(
                    "SELECT next_row_id FROM tables WHERE id = ?", (self.id,)
                ).fetchone()[0]
                db.execute("UPDATE tables SET next_row_id = ? WHERE id = ?", (rid + 1, self.id))
                taken.append(rid)
                return {"ids": [rid], "rows": [row]}, TableChange("add_rows", (rid,), ())

            # the id is taken if and only if the row is journaled: one transaction
            self._commit_with("add_rows", build)
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
            cells = [[rid, col, encode(new), encode(old)] for rid, col, new, old in updates]
            taken: list[int] = []

            def build(db: sqlite3.Connection) -> tuple[dict[str, Any], TableChange]:
                first = db.execute(
                    "SELECT next_row_id FROM tables WHERE id = ?", (self.id,)
                ).fetchone()[0]
                taken.extend(range(first, first + len(rows)))
                db.execute(
                    "UPDATE tables SET next_row_id = ? WHERE id = ?", (first + len(rows), self.id)
                )
                payload = {"cells": cells, "ids": list(taken), "rows": rows}
                return payload, TableChange("add_rows" if taken else "set", tuple(taken), ())

            self._commit_with("merge", build)
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
            self._commit(
                "delete_rows",
                {"ids": ids, "rows": rows},
                TableChange("delete_rows", tuple(ids), ()),
            )
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
            payload: dict[str, Any] = {"old": old, "new": new}
            if not undoable:
                payload["no_undo"] = True
            self._commit("rename_column", payload, TableChange("rename_column", (), (old, new)))

    def delete_column(self, name: str, *, undoable: bool = True) -> None:
        """Delete a column; ``undoable=False`` as in ``add_column`` (a removed enrichment
        column's outputs must not come back through undo)."""
        with self._writing():
            self._need_column(name)
            if not undoable:
                payload: dict[str, Any] = {"name": name, "no_undo": True}
                self._commit("delete_column", payload, TableChange("delete_column", (), (name,)))
                return
            index = self.columns.index(name)
            seq = self._seq + 1
            side = f"{self.id}.col{seq}.parquet"
            # the values go to a side file first, so the journal entry can always be undone
            write_snapshot(self.frame.select(ROW_ID, name), self.ws.tables_dir / side, seq)
            payload = {"name": name, "index": index, "dtype": self.dtype_label(name), "side": side}
            self._commit("delete_column", payload, TableChange("delete_column", (), (name,)))

    def add_column(self, name: str, dtype: str = "text", *, undoable: bool = True) -> None:
        """Add an empty column at the end (journaled; the engine uses it for outputs).

        ``undoable=False`` keeps it off the undo stack (an enrichment's output
        column belongs to its spec, which undo does not know about).
        """
        with self._writing():
            name = name.strip()
            self._check_new_name(name)
            dtype_of(dtype)
            payload: dict[str, Any] = {"name": name, "dtype": dtype}
            if not undoable:
                payload["no_undo"] = True
            self._commit("add_column", payload, TableChange("add_column", (), (name,)))

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

    # ------------------------------------------------------------ undo
    def undo(self) -> str | None:
        """Undo the last user change still standing; returns what was undone, or None."""
        with self._writing():
            if not self._undo:
                return None
            target, op, payload = self._undo[-1]
            inverse_op, inverse, description = self._inverse(op, payload)
            change = TableChange(
                _CHANGE_KIND[inverse_op],
                tuple(_ids(inverse_op, inverse)),
                tuple(_cols(inverse_op, inverse)),
            )
            self._commit("undo", {"target": target, "op": inverse_op, "payload": inverse}, change)
            return description

    def _inverse(self, op: str, p: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        if op == "set":
            return (
                "set",
                {"row": p["row"], "col": p["col"], "value": p["old"], "old": p["value"]},
                f"Undid the edit of {p['col']} in row {p['row']}.",
            )
        if op == "add_rows":
            return (
                "delete_rows",
                {"ids": p["ids"], "rows": p["rows"]},
                f"Undid adding {_rows(len(p['ids']))}.",
            )
        if op == "merge":
            n, m = len(p.get("ids", [])), len(p.get("cells", []))
            return (
                "merge",
                {
                    "cells": [[r, c, old, new] for r, c, new, old in p.get("cells", [])],
                    "delete": list(p.get("ids", [])),
                },
                f"Undid the import: removed {_rows(n)} and restored {m:,} "
                f"cell{'s' if m != 1 else ''}.",
            )
        if op == "delete_rows":
            return (
                "add_rows",
                {"ids": p["ids"], "rows": p["rows"]},
                f"Restored {_rows(len(p['ids']))}.",
            )
        if op == "rename_column":
            return (
                "rename_column",
                {"old": p["new"], "new": p["old"]},
                f"Renamed column {p['new']} back to {p['old']}.",
            )
        if op == "delete_column":
            return ("restore_column", p, f"Restored column {p['name']}.")
        if op == "add_column":
            return ("delete_column", {"name": p["name"]}, f"Removed column {p['name']}.")
        raise ValueError(op)

    # ------------------------------------------------------------ saving
    def save(self) -> None:
        """Fold the journal (and results) into ``tables/<id>.parquet`` atomically.

        First this copy catches up with every process's journal entries, so the file
        never claims (by its sequence number) entries it does not hold; a file older than
        the one another process saved meanwhile is never put in its place. The file is
        written outside the lock (the frame is immutable), so edits and the engine's
        commits carry on while a million rows are written.
        """
        registry.ensure(self.ws)
        with self._save_lock:
            self.wait_for_snapshot()
            for _attempt in range(3):
                with self._lock:
                    self._load_results(self._caught_up())
                    if not self.dirty:
                        return
                    if not self._dirty and registry.snapshot_seq(self.ws, self.id) >= self._seq:
                        self._snapshot_seq = self._seq  # another process saved just this
                        return
                    frame, seq = self.frame, self._seq
                    self._dirty = False
                path = snapshot_path(self.ws, self.id)
                try:
                    tmp = _write_temp(frame, path, seq)
                except BaseException:
                    self._dirty = True
                    raise
                with self.ws.transaction() as db:
                    if registry.snapshot_seq(self.ws, self.id) > seq:
                        tmp.unlink(missing_ok=True)  # a newer file is there: catch up, again
                        self._dirty = True
                        continue
                    try:
                        _install(tmp, path)
                    except BaseException:
                        tmp.unlink(missing_ok=True)
                        self._dirty = True
                        raise
                    db.execute("UPDATE tables SET snapshot_seq = ? WHERE id = ?", (seq, self.id))
                    self._snapshot_seq = seq
                    self._prune(seq)
                return

    def _prune(self, snapshot_seq: int) -> None:
        """Drop journal entries the snapshot holds, keeping the newest ones for undo."""
        db = self.ws.db
        row = db.execute(
            "SELECT seq FROM table_journal WHERE table_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
            (self.id, self.KEEP_ENTRIES),
        ).fetchone()
        if row is None:
            return
        cutoff = min(row[0] + 1, snapshot_seq + 1)  # only entries the snapshot already has
        db.execute("DELETE FROM table_journal WHERE table_id = ? AND seq < ?", (self.id, cutoff))
        self._undo = [u for u in self._undo if u[0] >= cutoff]
        sql = "SELECT payload FROM table_journal WHERE table_id = ? AND payload LIKE '%\"side\"%'"
        payloads = [json.loads(r[0]) for r in db.execute(sql, (self.id,))]
        referenced = {p.get("side") or p.get("payload", {}).get("side") for p in payloads}
        for side in self.ws.tables_dir.glob(f"{self.id}.col*.parquet"):
            if side.name not in referenced:
                side.unlink(missing_ok=True)

    # ------------------------------------------------------------ internals
    def _commit(self, op: str, payload: dict[str, Any], change: TableChange) -> None:
        self._commit_with(op, lambda db: (payload, change))

    def _commit_with(
        self,
        op: str,
        build: Callable[[sqlite3.Connection], tuple[dict[str, Any], TableChange]],
    ) -> None:
        """Journal durably, then publish: the frame changes only once the entry is committed.

        ``build`` runs inside the write transaction, so what it reads (the next row id)
        and the journal entry commit together.
        """
        with self.ws.transaction() as db:
            payload, change = build(db)
            if op == "undo":
                frame = ops.apply(self.frame, payload["op"], payload["payload"], self.ws.tables_dir)
            else:
                frame = ops.apply(self.frame, op, payload, self.ws.tables_dir)
            # another process may have journaled too: never collide with its entries
            last = db.execute(
                "SELECT MAX(seq) FROM table_journal WHERE table_id = ?", (self.id,)
            ).fetchone()[0]
            seq = max(self._seq, last or 0) + 1
            registry.append_entry(self.ws, self.id, seq, op, payload, iso(self.ws.clock.now()))
            if op == "undo":
                db.execute(
                    "UPDATE table_journal SET undone = 1 WHERE table_id = ? AND seq = ?",
                    (self.id, payload["target"]),
                )
        self._seq = seq
        if op == "undo":
            self._undo = [u for u in self._undo if u[0] != payload["target"]]
        elif not payload.get("no_undo"):
            self._undo.append((seq, op, payload))
        self.frame = frame
        self.version += 1
        self._emit(change)

    def _replay(self, frame: pl.DataFrame, op: str, payload: dict[str, Any]) -> pl.DataFrame:
        if op == "undo":
            return ops.apply(frame, payload["op"], payload["payload"], self.ws.tables_dir)
        return ops.apply(frame, op, payload, self.ws.tables_dir)

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


def _change_of(op: str, payload: dict[str, Any], *, remote: bool = False) -> TableChange:
    """The change a journal entry makes (an undo: the change its inverse makes)."""
    if op == "undo":
        op, payload = payload["op"], payload["payload"]
    return TableChange(
        _CHANGE_KIND[op], tuple(_ids(op, payload)), tuple(_cols(op, payload)), remote=remote
    )


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def _ids(op: str, p: dict[str, Any]) -> list[int]:
    if op == "set":
        return [p["row"]]
    if op == "merge":
        ids = {c[0] for c in p.get("cells", [])} | set(p.get("ids", [])) | set(p.get("delete", []))
        return sorted(ids)
    return list(p.get("ids", []))


def _cols(op: str, p: dict[str, Any]) -> list[str]:
    if op == "set":
        return [p["col"]]
    if op == "rename_column":
        return [p["old"], p["new"]]
    if op == "merge":
        return sorted({c[1] for c in p.get("cells", [])})
    if "name" in p:
        return [p["name"]]
    return []
