"""Frame primitives the table edits (edits.py) are made of: pure functions over a frame
sorted by ``_row_id``."""

from __future__ import annotations

from typing import Any

import polars as pl

from clay_tui.table.values import decode, label_of

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
