"""The journal side of a table: replaying entries onto the frame, catching up with other
processes, committing an edit durably before the frame changes, undo, and save.

``LeadTable`` (lead_table.py) is this plus reading and the user-facing changes. Every edit
is an ``edits.Edit``; the journal holds its op name and payload (see edits.py).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from clay_tui.clock import iso
from clay_tui.errors import ClayError
from clay_tui.table import registry
from clay_tui.table.changes import TableChange
from clay_tui.table.edits import Edit, Undo, decode_entry
from clay_tui.table.frame_store import FrameStore, frame_store
from clay_tui.table.snapshots import (
    _PENDING,
    _PENDING_LOCK,
    wait_for_pending,
    with_row_ids,
)

# the journal payload key naming the member who made an entry (edits.py's payloads never
# use it; an older journal's entries have none)
BY = "by"

if TYPE_CHECKING:
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace


class JournaledTable:
    """A table's frame kept level with its durable journal (the base of ``LeadTable``)."""

    KEEP_ENTRIES = 1000  # journal entries kept after a save, so undo reaches back that far

    ws: Workspace
    id: int
    name: str
    source_path: str | None
    version: int
    notices: list[str]
    frame: pl.DataFrame
    results_loader: Callable[[LeadTable, set[str] | None], Any] | None
    _lock: threading.RLock
    _save_lock: threading.Lock
    _listeners: list[Callable[[TableChange], None]]
    _dirty: bool
    _snapshot_thread: threading.Thread | None
    _sheet: str | None

    @property
    def dirty(self) -> bool:
        """True when there is something ``save()`` would write."""
        return self._dirty or self._seq != self._snapshot_seq

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

    # ------------------------------------------------------------ the journal
    def _load(self, initial: pl.DataFrame | None = None) -> None:
        """Read the snapshot and replay the journal after it (``initial``: a new table's frame).

        A snapshot written by another process between reading the file and reading the
        journal can have pruned entries this file lacks: then read both again.
        """
        store, name = self.store, str(self.id)
        for _attempt in range(3):
            if initial is not None:
                frame, snap_seq = initial, 0
            else:
                wait_for_pending(store.key(name))
                try:
                    frame, snap_seq = store.read(name)
                except FileNotFoundError:
                    frame, snap_seq = self._rebuild(self._sheet), 0
                except Exception:  # noqa: BLE001 - any failure means the file cannot be used
                    raise ClayError(
                        f"The data of table {self.name} cannot be read ({store.label(name)})."
                    ) from None
            entries = registry.journal_entries(self.ws, self.id)
            if not (entries and entries[0][0] > snap_seq + 1) or initial is not None:
                break  # nothing after the snapshot was pruned away
        self._snapshot_seq = snap_seq
        self._seq = snap_seq
        self._undo: list[tuple[int, Edit]] = []  # (journal seq, the edit) still standing
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
            try:
                entry: Edit | Undo | None = decode_entry(op, payload)
            except (KeyError, TypeError, ValueError, IndexError):
                entry = None  # an entry this version cannot read: skipped, never fatal
            edit = entry.edit if isinstance(entry, Undo) else entry
            if seq > self._seq:
                try:
                    if edit is None:
                        raise ValueError(op)
                    frame = edit.apply(frame, self.store)
                except Exception:  # noqa: BLE001 - one bad entry must not lock the table away
                    skipped += 1
                else:
                    if remote:
                        changes.append(edit.change(remote=True))
            if isinstance(entry, Undo):
                self._undo = [u for u in self._undo if u[0] != entry.target]
            elif entry is not None and not undone and not entry.no_undo and self._mine(payload):
                self._undo.append((seq, entry))
            self._seq = max(self._seq, seq)
        return frame, changes, skipped

    def _mine(self, payload: dict[str, Any]) -> bool:
        """Whether an entry is on this member's undo stack: their own edits (and those of
        journals from before edits named their member). Another member's edit is theirs to
        undo; an edit of the same cell after it keeps the value it replaced as its ``old``,
        so undoing it brings that value back."""
        by = payload.get(BY)
        return not by or by == self.ws.settings.user

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

    @property
    def store(self) -> FrameStore:
        """Where the snapshot and side frames live (a folder or the team workspace)."""
        return frame_store(self.ws)

    def _write_first_snapshot(self, frame: pl.DataFrame) -> None:
        store, name = self.store, str(self.id)
        try:
            store.install_first(store.stage(name, frame, 0), self.id)
        except (OSError, ClayError):
            self._dirty = True  # the next save() writes it
        finally:
            with _PENDING_LOCK:
                if _PENDING.get(store.key(name)) is threading.current_thread():
                    del _PENDING[store.key(name)]

    def wait_for_snapshot(self) -> None:
        """Block until a new table's first snapshot is on disk."""
        thread = self._snapshot_thread
        if thread is not None:
            thread.join()
            self._snapshot_thread = None

    def _rebuild(self, sheet: str | None) -> pl.DataFrame:
        """The import's frame again, from the source file (the first snapshot never landed)."""
        from clay_tui.table.loading import load_file

        store, name = self.store, str(self.id)
        source = Path(self.source_path) if self.source_path else None
        if source is None or not source.is_file():
            raise ClayError(f"The data of table {self.name} is missing ({store.label(name)}).")
        frame = with_row_ids(load_file(source, sheet=sheet).frame)
        store.install_first(store.stage(name, frame, 0), self.id)
        self.notices.append(f"Rebuilt {self.name} from {source}: its saved copy was missing.")
        return frame

    # ------------------------------------------------------------ undo
    def undo(self) -> str | None:
        """Undo the last user change still standing; returns what was undone, or None."""
        with self._writing():
            if not self._undo:
                return None
            target, edit = self._undo[-1]
            inverse, description = edit.inverse()
            self._commit_with(lambda db: (Undo(target, inverse), inverse.change()))
            return description

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
                store = self.store
                try:
                    staged = store.stage(str(self.id), frame, seq)
                except BaseException:
                    self._dirty = True
                    raise
                try:  # only putting it in place is under the write lock (the ledger's)
                    with self.ws.transaction() as db:
                        if registry.snapshot_seq(self.ws, self.id) > seq:
                            self._dirty = True  # a newer file is there: catch up, again
                            continue
                        try:
                            store.install(staged)
                        except BaseException:
                            self._dirty = True
                            raise
                        db.execute(
                            "UPDATE tables SET snapshot_seq = ? WHERE id = ?", (seq, self.id)
                        )
                        self._snapshot_seq = seq
                        self._prune(seq)
                finally:
                    store.discard(staged)  # what the transaction left unneeded
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
        sql = (
            "SELECT payload FROM table_journal WHERE table_id = ? AND seq < ?"
            " AND payload LIKE '%\"side\"%'"
        )
        released = _sides(db.execute(sql, (self.id, cutoff)))
        db.execute("DELETE FROM table_journal WHERE table_id = ? AND seq < ?", (self.id, cutoff))
        self._undo = [u for u in self._undo if u[0] >= cutoff]
        sql = "SELECT payload FROM table_journal WHERE table_id = ? AND payload LIKE '%\"side\"%'"
        referenced = _sides(db.execute(sql, (self.id,)))
        self.store.prune_sides(self.id, referenced, released)

    # ------------------------------------------------------------ internals
    def _commit(self, edit: Edit) -> None:
        self._commit_with(lambda db: (edit, edit.change()))

    def _commit_with(
        self, build: Callable[[sqlite3.Connection], tuple[Edit | Undo, TableChange]]
    ) -> None:
        """Journal durably, then publish: the frame changes only once the entry is committed.

        ``build`` runs inside the write transaction, so what it reads (the next row id)
        and the journal entry commit together.
        """
        with self.ws.transaction() as db:
            entry, change = build(db)
            edit = entry.edit if isinstance(entry, Undo) else entry
            frame = edit.apply(self.frame, self.store)
            # another process may have journaled too: never collide with its entries
            last = db.execute(
                "SELECT MAX(seq) FROM table_journal WHERE table_id = ?", (self.id,)
            ).fetchone()[0]
            seq = max(self._seq, last or 0) + 1
            op = "undo" if isinstance(entry, Undo) else entry.op
            payload = entry.payload()
            if self.ws.settings.user:
                payload[BY] = self.ws.settings.user  # the member who made it
            registry.append_entry(self.ws, self.id, seq, op, payload, iso(self.ws.clock.now()))
            if isinstance(entry, Undo):
                db.execute(
                    "UPDATE table_journal SET undone = 1 WHERE table_id = ? AND seq = ?",
                    (self.id, entry.target),
                )
        self._seq = seq
        if isinstance(entry, Undo):
            self._undo = [u for u in self._undo if u[0] != entry.target]
        elif not entry.no_undo:
            self._undo.append((seq, entry))
        self.frame = frame
        self.version += 1
        self._emit(change)


def _sides(rows: Any) -> set[str]:
    """The side files the journal payloads in ``rows`` name (an undo's inside its payload)."""
    payloads = [json.loads(r[0]) for r in rows]
    sides = {p.get("side") or p.get("payload", {}).get("side") for p in payloads}
    return {s for s in sides if s}
