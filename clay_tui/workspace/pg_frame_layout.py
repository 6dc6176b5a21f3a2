"""How a Polars frame's columns are laid out in PostgreSQL tables (workspace/pg_frames.py).

Each frame column becomes a physical column ``c<i>`` of a PostgreSQL type that holds it exactly
(UInt64 bit for bit in ``bigint``, Datetime as its epoch in its own unit, text with NUL as
``bytea``); the columns are packed into part tables that PostgreSQL accepts: at most 1,500
columns (its cap is 1,600) and a worst-case row width that fits one 8 kB heap page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from clay_tui.errors import WorkspaceError

MAX_PART_COLUMNS = 1500  # PostgreSQL's cap is 1,600 columns per table
MAX_PART_BYTES = 6000  # worst-case row width per part: a heap row must fit in one 8 kB page

# Polars dtype -> (PostgreSQL type, the Polars dtype sent for it, worst-case bytes in a row)
_FIXED: dict[Any, tuple[str, Any, int]] = {
    pl.Int8: ("smallint", pl.Int16, 2),
    pl.Int16: ("smallint", pl.Int16, 2),
    pl.Int32: ("integer", pl.Int32, 4),
    pl.Int64: ("bigint", pl.Int64, 8),
    pl.UInt8: ("smallint", pl.Int16, 2),
    pl.UInt16: ("integer", pl.Int32, 4),
    pl.UInt32: ("bigint", pl.Int64, 8),
    pl.Float32: ("real", pl.Float32, 4),
    pl.Float64: ("double precision", pl.Float64, 8),
    pl.Boolean: ("boolean", pl.Boolean, 1),
    pl.Date: ("date", pl.Date, 4),
}
_TEXT_WORST = 24  # a text value after TOAST: inline if short, else an 18-byte pointer (aligned)


@dataclass(frozen=True)
class Column:
    """How one frame column is stored: its physical name, SQL type and worst-case width."""

    index: int
    pg_type: str
    width: int = 0

    @property
    def physical(self) -> str:
        return f"c{self.index}"


def plan(frame: pl.DataFrame) -> list[Column | None]:
    """The physical column for each frame column (None: an all-null dtype, not stored)."""
    out: list[Column | None] = []
    for i, series in enumerate(frame.iter_columns()):
        dtype = series.dtype
        if dtype == pl.Null:
            out.append(None)
        elif dtype.base_type() in _FIXED:
            pg_type, _, width = _FIXED[dtype.base_type()]
            out.append(Column(i, pg_type, width))
        elif dtype == pl.UInt64 or isinstance(dtype, pl.Datetime):
            # bit for bit as Int64 / the epoch in the dtype's own unit (ns too): exact
            out.append(Column(i, "bigint", 8))
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            text = series.cast(pl.String)
            longest = text.str.len_bytes().max() if frame.height else 0
            width = min(int(longest or 0) + 4, _TEXT_WORST)  # type: ignore[call-overload]
            # PostgreSQL text cannot hold NUL: such a column is stored as its UTF-8 bytes
            nul = bool(frame.height and text.str.contains("\x00", literal=True).any())
            out.append(Column(i, "bytea" if nul else "text", width))
        else:
            raise WorkspaceError(
                f"A column of type {dtype} cannot be stored in a team workspace yet."
            )
    return out


def pack(plan: list[Column | None]) -> list[list[Column]]:
    """Columns packed into tables that PostgreSQL accepts (column count and row width)."""
    parts: list[list[Column]] = [[]]
    width = 8  # _r
    for col in plan:
        if col is None:
            continue
        full = len(parts[-1]) >= MAX_PART_COLUMNS or width + col.width > MAX_PART_BYTES
        if parts[-1] and full:
            parts.append([])
            width = 8
        parts[-1].append(col)
        width += col.width
    return parts


def to_physical(series: pl.Series, pg_type: str) -> pl.Series:
    dtype = series.dtype
    if pg_type == "bytea":  # bytea's hex input form
        return "\\x" + series.cast(pl.String).str.encode("hex")
    if dtype == pl.UInt64:
        return series.reinterpret(signed=True)
    if isinstance(dtype, pl.Datetime):
        return series.dt.epoch(dtype.time_unit or "us")  # type: ignore[arg-type]
    if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        return series.cast(pl.String)
    if dtype.base_type() in _FIXED:
        return series.cast(_FIXED[dtype.base_type()][1])
    return series


def from_physical(series: pl.Series, dtype: pl.DataType) -> pl.Series:
    if series.dtype == pl.Binary:
        series = series.cast(pl.String)
    if dtype == pl.UInt64:
        return series.reinterpret(signed=False)
    if isinstance(dtype, pl.Datetime):
        naive = series.cast(pl.Datetime(dtype.time_unit or "us"))
        if dtype.time_zone:
            return naive.dt.replace_time_zone("UTC").dt.convert_time_zone(dtype.time_zone)
        return naive
    return series.cast(dtype) if series.dtype != dtype else series
