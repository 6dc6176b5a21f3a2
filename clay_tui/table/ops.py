"""Journal operations applied to a frame: pure functions, each idempotent.

Every payload states the end result (row 7's email *is* "x", rows 3 and 4 *are*
gone), so replaying an entry twice, or on a snapshot that already has it, is
harmless. That is what makes crash recovery a plain replay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from clay_tui.table.values import decode, dtype_of, label_of

ROW_ID = "_row_id"


def positions(frame: pl.DataFrame, row_ids: list[int]) -> tuple[list[int], list[int]]:
    """(positions, row_ids) of the given ids that exist; the frame is sorted by ROW_ID."""
    if not row_ids or frame.height == 0:
        return [], []
    ids = frame.get_column(ROW_ID)
    wanted = pl.Series(row_ids, dtype=pl.Int64)
    pos = ids.search_sorted(wanted, side="left")
    found = pos < frame.height
    safe = pos.clip(0, frame.height - 1)
    hit = found & (ids.gather(safe) == wanted)
    return safe.filter(hit).to_list(), wanted.filter(hit).to_list()


def scatter(frame: pl.DataFrame, column: str, pos: list[int], values: list[Any]) -> pl.DataFrame:
    """A new frame with ``column`` changed at ``pos`` (other columns shared, not copied)."""
    if not pos:
        return frame
    series = frame.get_column(column)
    new = series.clone()
    new.scatter(pos, pl.Series(values, dtype=series.dtype))
    return frame.with_columns(new)


def rows_frame(frame: pl.DataFrame, row_ids: list[int], rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows (journal form) as a frame with ``frame``'s schema; unknown columns are ignored."""
    schema = frame.schema
    data: dict[str, list[Any]] = {name: [] for name in schema}
    for rid, row in zip(row_ids, rows, strict=True):
        for name, dtype in schema.items():
            if name == ROW_ID:
                data[name].append(rid)
            else:
                data[name].append(decode(row.get(name), label_of(dtype)))
    return pl.DataFrame(data, schema=schema)


def apply(frame: pl.DataFrame, op: str, p: dict[str, Any], side_dir: Path) -> pl.DataFrame:
    """``frame`` after journal op ``op`` with payload ``p``."""
    if op == "set":
        if p["col"] not in frame.columns:
            return frame
        pos, _ = positions(frame, [p["row"]])
        value = decode(p["value"], label_of(frame.schema[p["col"]]))
        return scatter(frame, p["col"], pos, [value] * len(pos))
    if op == "add_rows":
        _, present = positions(frame, p["ids"])
        keep = [
            (rid, row)
            for rid, row in zip(p["ids"], p["rows"], strict=True)
            if rid not in set(present)
        ]
        if not keep:
            return frame
        new = rows_frame(frame, [k[0] for k in keep], [k[1] for k in keep])
        last = frame.get_column(ROW_ID).item(-1) if frame.height else 0
        out = pl.concat([frame, new], how="vertical")
        if min(k[0] for k in keep) < last:  # restoring deleted rows: back to their place
            out = out.sort(ROW_ID)
        if out.n_chunks() > 64:
            out = out.rechunk()
        return out
    if op == "merge":  # rows arriving from a file: cells changed, rows added (undo: deleted)
        out = frame
        by_col: dict[str, dict[int, Any]] = {}
        for rid, col, value, _old in p.get("cells", []):
            by_col.setdefault(col, {})[rid] = value
        for col, values in by_col.items():
            if col not in out.columns:
                continue
            pos, found = positions(out, list(values))
            label = label_of(out.schema[col])
            out = scatter(out, col, pos, [decode(values[rid], label) for rid in found])
        if p.get("delete"):
            out = apply(out, "delete_rows", {"ids": p["delete"]}, side_dir)
        if p.get("ids"):
            out = apply(out, "add_rows", {"ids": p["ids"], "rows": p["rows"]}, side_dir)
        return out
    if op == "delete_rows":
        pos, _ = positions(frame, p["ids"])
        if not pos:
            return frame
        return frame.filter(~pl.col(ROW_ID).is_in(pl.Series(p["ids"], dtype=pl.Int64).implode()))
    if op == "rename_column":
        if p["old"] in frame.columns and p["new"] not in frame.columns:
            return frame.rename({p["old"]: p["new"]})
        return frame
    if op == "delete_column":
        return frame.drop(p["name"]) if p["name"] in frame.columns else frame
    if op == "add_column":
        if p["name"] in frame.columns:
            return frame
        return frame.with_columns(pl.lit(None, dtype=dtype_of(p["dtype"])).alias(p["name"]))
    if op == "restore_column":
        if p["name"] in frame.columns:
            return frame
        saved = pl.read_parquet(side_dir / p["side"], glob=False)
        joined = frame.join(saved, on=ROW_ID, how="left", maintain_order="left")
        order = [c for c in frame.columns]
        order.insert(min(p["index"] + 1, len(order)), p["name"])  # +1: ROW_ID comes first
        return joined.select(order)
    raise ValueError(f"unknown journal op {op!r}")
