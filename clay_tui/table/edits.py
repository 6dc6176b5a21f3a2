"""Table edits: one dataclass per operation, with ``apply``, ``inverse`` and ``change``.

The journal stores an edit as its op name and a JSON payload (``payload()``); ``decode``
turns them back into the edit. The payloads are the journal's on-disk format: keep their
keys as they are, so old journals replay. Every payload states the end result (row 7's
email *is* "x", rows 3 and 4 *are* gone), so ``apply`` is idempotent: replaying an entry
twice, or on a snapshot that already has it, is harmless. That is what makes crash
recovery a plain replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from clay_tui.table import ops
from clay_tui.table.changes import TableChange
from clay_tui.table.ops import ROW_ID
from clay_tui.table.values import decode, dtype_of, label_of


def _no_undo(p: dict[str, Any]) -> bool:
    return bool(p.get("no_undo"))


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


@dataclass(frozen=True)
class Edit:
    """One journaled change of a table."""

    op: ClassVar[str]  # the journal's name for it
    kind: ClassVar[str]  # the TableChange kind listeners hear

    no_undo: bool = field(default=False, kw_only=True)  # kept off the undo stack

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        """``frame`` after this edit (idempotent)."""
        raise NotImplementedError

    def inverse(self) -> tuple[Edit, str]:
        """The edit that undoes this one, and the sentence saying what undo did."""
        raise NotImplementedError

    def row_ids(self) -> list[int]:
        return []

    def columns(self) -> list[str]:
        return []

    def change(self, *, remote: bool = False) -> TableChange:
        return TableChange(self.kind, tuple(self.row_ids()), tuple(self.columns()), remote=remote)

    def payload(self) -> dict[str, Any]:
        """The journal's JSON form."""
        raise NotImplementedError

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        """The edit from its journal form (``payload()``, or an older journal's)."""
        raise NotImplementedError

    def _with_no_undo(self, p: dict[str, Any]) -> dict[str, Any]:
        if self.no_undo:
            p["no_undo"] = True
        return p


@dataclass(frozen=True)
class SetCell(Edit):
    op: ClassVar[str] = "set"
    kind: ClassVar[str] = "set"
    row: int
    col: str
    value: Any  # encoded (values.encode)
    old: Any

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        if self.col not in frame.columns:
            return frame
        pos, _ = ops.positions(frame, [self.row])
        value = decode(self.value, label_of(frame.schema[self.col]))
        return ops.scatter(frame, self.col, pos, [value] * len(pos))

    def inverse(self) -> tuple[Edit, str]:
        back = SetCell(self.row, self.col, self.old, self.value)
        return back, f"Undid the edit of {self.col} in row {self.row}."

    def row_ids(self) -> list[int]:
        return [self.row]

    def columns(self) -> list[str]:
        return [self.col]

    def payload(self) -> dict[str, Any]:
        p = {"row": self.row, "col": self.col, "value": self.value, "old": self.old}
        return self._with_no_undo(p)

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(p["row"], p["col"], p["value"], p.get("old"), no_undo=_no_undo(p))


class _RowsEdit(Edit):
    """Rows added or deleted: journaled as their ids and what they held (``ids``, ``rows``)."""

    ids: tuple[int, ...]
    rows: tuple[dict[str, Any], ...]

    def row_ids(self) -> list[int]:
        return list(self.ids)

    def payload(self) -> dict[str, Any]:
        return self._with_no_undo({"ids": list(self.ids), "rows": list(self.rows)})

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(tuple(p["ids"]), tuple(p.get("rows", ())), no_undo=_no_undo(p))


@dataclass(frozen=True)
class AddRows(_RowsEdit):
    op: ClassVar[str] = "add_rows"
    kind: ClassVar[str] = "add_rows"
    ids: tuple[int, ...]
    rows: tuple[dict[str, Any], ...]  # encoded values by column

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        _, present = ops.positions(frame, list(self.ids))
        there = set(present)
        keep = [
            (rid, row) for rid, row in zip(self.ids, self.rows, strict=True) if rid not in there
        ]
        if not keep:
            return frame
        new = ops.rows_frame(frame, [k[0] for k in keep], [k[1] for k in keep])
        last = frame.get_column(ROW_ID).item(-1) if frame.height else 0
        out = pl.concat([frame, new], how="vertical")
        if min(k[0] for k in keep) < last:  # restoring deleted rows: back to their place
            out = out.sort(ROW_ID)
        if out.n_chunks() > 64:
            out = out.rechunk()
        return out

    def inverse(self) -> tuple[Edit, str]:
        return DeleteRows(self.ids, self.rows), f"Undid adding {_rows(len(self.ids))}."


@dataclass(frozen=True)
class DeleteRows(_RowsEdit):
    op: ClassVar[str] = "delete_rows"
    kind: ClassVar[str] = "delete_rows"
    ids: tuple[int, ...]
    rows: tuple[dict[str, Any], ...] = ()  # what they held, for undo

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        pos, _ = ops.positions(frame, list(self.ids))
        if not pos:
            return frame
        gone = pl.Series(list(self.ids), dtype=pl.Int64).implode()
        return frame.filter(~pl.col(ROW_ID).is_in(gone))

    def inverse(self) -> tuple[Edit, str]:
        return AddRows(self.ids, self.rows), f"Restored {_rows(len(self.ids))}."


@dataclass(frozen=True)
class Merge(Edit):
    """Rows arriving from a file: cells changed ([row, column, new, old], encoded), rows
    added; its inverse puts the cells back and deletes the rows (``delete``)."""

    op: ClassVar[str] = "merge"
    kind: ClassVar[str] = "set"
    cells: tuple[tuple[int, str, Any, Any], ...] = ()
    ids: tuple[int, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    delete: tuple[int, ...] = ()

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        out = frame
        by_col: dict[str, dict[int, Any]] = {}
        for rid, col, value, _old in self.cells:
            by_col.setdefault(col, {})[rid] = value
        for col, values in by_col.items():
            if col not in out.columns:
                continue
            pos, found = ops.positions(out, list(values))
            label = label_of(out.schema[col])
            out = ops.scatter(out, col, pos, [decode(values[rid], label) for rid in found])
        if self.delete:
            out = DeleteRows(self.delete).apply(out, side_dir)
        if self.ids:
            out = AddRows(self.ids, self.rows).apply(out, side_dir)
        return out

    def inverse(self) -> tuple[Edit, str]:
        n, m = len(self.ids), len(self.cells)
        back = Merge(
            cells=tuple((r, c, old, new) for r, c, new, old in self.cells), delete=self.ids
        )
        return back, (
            f"Undid the import: removed {_rows(n)} and restored {m:,} cell{'s' if m != 1 else ''}."
        )

    def row_ids(self) -> list[int]:
        return sorted({c[0] for c in self.cells} | set(self.ids) | set(self.delete))

    def columns(self) -> list[str]:
        return sorted({c[1] for c in self.cells})

    def payload(self) -> dict[str, Any]:
        p: dict[str, Any] = {"cells": [list(c) for c in self.cells]}
        if self.delete:
            p["delete"] = list(self.delete)
        else:
            p["ids"], p["rows"] = list(self.ids), list(self.rows)
        return self._with_no_undo(p)

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(
            cells=tuple((c[0], c[1], c[2], c[3]) for c in p.get("cells", ())),
            ids=tuple(p.get("ids", ())),
            rows=tuple(p.get("rows", ())),
            delete=tuple(p.get("delete", ())),
            no_undo=_no_undo(p),
        )


@dataclass(frozen=True)
class RenameColumn(Edit):
    op: ClassVar[str] = "rename_column"
    kind: ClassVar[str] = "rename_column"
    old: str
    new: str

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        if self.old in frame.columns and self.new not in frame.columns:
            return frame.rename({self.old: self.new})
        return frame

    def inverse(self) -> tuple[Edit, str]:
        back = RenameColumn(self.new, self.old)
        return back, f"Renamed column {self.new} back to {self.old}."

    def columns(self) -> list[str]:
        return [self.old, self.new]

    def payload(self) -> dict[str, Any]:
        return self._with_no_undo({"old": self.old, "new": self.new})

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(p["old"], p["new"], no_undo=_no_undo(p))


@dataclass(frozen=True)
class DeleteColumn(Edit):
    """Its values went to a side file first (``side``), so undo can restore them; without
    one (``no_undo``, or the inverse of adding it) it cannot be undone."""

    op: ClassVar[str] = "delete_column"
    kind: ClassVar[str] = "delete_column"
    name: str
    index: int | None = None
    dtype: str | None = None
    side: str | None = None

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        return frame.drop(self.name) if self.name in frame.columns else frame

    def inverse(self) -> tuple[Edit, str]:
        assert self.side is not None and self.index is not None and self.dtype is not None
        back = RestoreColumn(self.name, self.index, self.dtype, self.side)
        return back, f"Restored column {self.name}."

    def columns(self) -> list[str]:
        return [self.name]

    def payload(self) -> dict[str, Any]:
        p: dict[str, Any] = {"name": self.name}
        if self.side is not None:
            p.update(index=self.index, dtype=self.dtype, side=self.side)
        return self._with_no_undo(p)

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(p["name"], p.get("index"), p.get("dtype"), p.get("side"), no_undo=_no_undo(p))


@dataclass(frozen=True)
class AddColumn(Edit):
    op: ClassVar[str] = "add_column"
    kind: ClassVar[str] = "add_column"
    name: str
    dtype: str = "text"

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        if self.name in frame.columns:
            return frame
        return frame.with_columns(pl.lit(None, dtype=dtype_of(self.dtype)).alias(self.name))

    def inverse(self) -> tuple[Edit, str]:
        return DeleteColumn(self.name), f"Removed column {self.name}."

    def columns(self) -> list[str]:
        return [self.name]

    def payload(self) -> dict[str, Any]:
        return self._with_no_undo({"name": self.name, "dtype": self.dtype})

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(p["name"], p.get("dtype", "text"), no_undo=_no_undo(p))


@dataclass(frozen=True)
class RestoreColumn(Edit):
    """A deleted column back from its side file, at its old place (undo of DeleteColumn)."""

    op: ClassVar[str] = "restore_column"
    kind: ClassVar[str] = "add_column"
    name: str
    index: int
    dtype: str
    side: str

    def apply(self, frame: pl.DataFrame, side_dir: Path) -> pl.DataFrame:
        if self.name in frame.columns:
            return frame
        if isinstance(side_dir, Path):
            saved = pl.read_parquet(side_dir / self.side, glob=False)
        else:  # the workspace's frame store (table/frame_store.py): a folder or PostgreSQL
            saved = side_dir.read_side(self.side)
        joined = frame.join(saved, on=ROW_ID, how="left", maintain_order="left")
        order = list(frame.columns)
        order.insert(min(self.index + 1, len(order)), self.name)  # +1: ROW_ID comes first
        return joined.select(order)

    def inverse(self) -> tuple[Edit, str]:
        back = DeleteColumn(self.name, self.index, self.dtype, self.side)
        return back, f"Deleted column {self.name}."

    def columns(self) -> list[str]:
        return [self.name]

    def payload(self) -> dict[str, Any]:
        p = {"name": self.name, "index": self.index, "dtype": self.dtype, "side": self.side}
        return self._with_no_undo(p)

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Edit:
        return cls(p["name"], p["index"], p["dtype"], p["side"], no_undo=_no_undo(p))


@dataclass(frozen=True)
class Undo:
    """An undo entry: it undid entry ``target`` by applying ``edit`` (that one's inverse)."""

    target: int
    edit: Edit

    def payload(self) -> dict[str, Any]:
        return {"target": self.target, "op": self.edit.op, "payload": self.edit.payload()}


EDITS: dict[str, type[Edit]] = {
    cls.op: cls
    for cls in (
        SetCell,
        AddRows,
        DeleteRows,
        Merge,
        RenameColumn,
        DeleteColumn,
        AddColumn,
        RestoreColumn,
    )
}


def decode_edit(op: str, p: dict[str, Any]) -> Edit:
    """The edit a journal entry (op name, payload) holds; ValueError for an unknown op."""
    cls = EDITS.get(op)
    if cls is None:
        raise ValueError(f"unknown journal op {op!r}")
    return cls.from_payload(p)


def decode_entry(op: str, p: dict[str, Any]) -> Edit | Undo:
    """A journal entry as an edit, or as the undo it records."""
    if op == "undo":
        return Undo(int(p["target"]), decode_edit(p["op"], p["payload"]))
    return decode_edit(op, p)
