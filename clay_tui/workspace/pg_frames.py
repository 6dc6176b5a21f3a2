"""Polars frames stored as PostgreSQL tables in a team workspace's schema.

Layout. One row per frame in ``clay_frames`` (name, row count, column names and physical types,
the exact Polars dtypes as an empty Arrow IPC file, the physical tables, the caller's ``meta``).
The rows live in physical tables ``clay_frame_<hash>_<generation>_p<k>``: a row ordinal ``_r``
and the frame's columns as ``c0 .. cN`` (user column names are untrusted text of any length:
they are only ever stored as values, never used as identifiers). PostgreSQL caps a table at
1,600 columns and a row at one 8 kB page, so the columns are packed into as many part tables as
their worst-case row width needs (3,000 text columns: about a dozen parts, put back side by
side on ``_r`` in Polars). All-null (``pl.Null``) columns are not stored at all.

Transfer. Rows move as Arrow over ADBC (``adbc-driver-postgresql``: binary COPY both ways,
no Python per row, no pyarrow needed). It read and wrote a 1M-row lead table faster than
psycopg COPY and connectorx here (bench/pg_open.py has the figures). The ADBC connection is
opened on first use and kept for the workspace object.

Atomic replace. A write creates a new generation's tables and fills them in one transaction,
then points the ``clay_frames`` row at them (a short transaction under the workspace's write
lock), then drops the old generation (outside that lock: a DROP waits for the readers still
reading it, and the ledger must not wait with it). A generation never changes once visible.
A reader reads the row, then the parts in one transaction (its locks make the drop wait for
it); if the drop came first, the reader starts over from the row. Readers see the old rows or
the new ones, never a mix.
Writers of one name take a per-name advisory lock, so a crashed write's leftover tables can be
dropped by the next write of that name.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from psycopg import sql

from clay_tui.errors import WorkspaceError
from clay_tui.workspace.pg import PgWorkspace, redact_url

META_TABLE = "clay_frames"
ROW = "_r"  # the row ordinal in every part table
MAX_PART_COLUMNS = 1500  # PostgreSQL's cap is 1,600 columns per table
MAX_PART_BYTES = 6000  # worst-case row width per part: a heap row must fit in one 8 kB page
READ_RETRIES = 50  # a reader restarts when a concurrent replace dropped what it was reading
UNDEFINED_TABLE = "42P01"

_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {META_TABLE} (
    name text PRIMARY KEY,
    n_rows bigint NOT NULL,
    columns jsonb NOT NULL,
    schema_ipc bytea NOT NULL,
    parts text[] NOT NULL,
    meta jsonb NOT NULL
)
"""

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
class _Column:
    """How one frame column is stored: its physical name, SQL type and worst-case width."""

    index: int
    pg_type: str
    width: int = 0

    @property
    def physical(self) -> str:
        return f"c{self.index}"


def _plan(frame: pl.DataFrame) -> list[_Column | None]:
    """The physical column for each frame column (None: an all-null dtype, not stored)."""
    out: list[_Column | None] = []
    for i, series in enumerate(frame.iter_columns()):
        dtype = series.dtype
        if dtype == pl.Null:
            out.append(None)
        elif dtype.base_type() in _FIXED:
            pg_type, _, width = _FIXED[dtype.base_type()]
            out.append(_Column(i, pg_type, width))
        elif dtype == pl.UInt64 or isinstance(dtype, pl.Datetime):
            # bit for bit as Int64 / the epoch in the dtype's own unit (ns too): exact
            out.append(_Column(i, "bigint", 8))
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            text = series.cast(pl.String)
            longest = text.str.len_bytes().max() if frame.height else 0
            width = min(int(longest or 0) + 4, _TEXT_WORST)  # type: ignore[call-overload]
            # PostgreSQL text cannot hold NUL: such a column is stored as its UTF-8 bytes
            nul = bool(frame.height and text.str.contains("\x00", literal=True).any())
            out.append(_Column(i, "bytea" if nul else "text", width))
        else:
            raise WorkspaceError(
                f"A column of type {dtype} cannot be stored in a team workspace yet."
            )
    return out


def _parts(plan: list[_Column | None]) -> list[list[_Column]]:
    """Columns packed into tables that PostgreSQL accepts (column count and row width)."""
    parts: list[list[_Column]] = [[]]
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


def _to_physical(series: pl.Series, pg_type: str) -> pl.Series:
    dtype = series.dtype
    if pg_type == "bytea":
        return series.cast(pl.String).cast(pl.Binary)
    if dtype == pl.UInt64:
        return series.reinterpret(signed=True)
    if isinstance(dtype, pl.Datetime):
        return series.dt.epoch(dtype.time_unit or "us")  # type: ignore[arg-type]
    if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        return series.cast(pl.String)
    if dtype.base_type() in _FIXED:
        return series.cast(_FIXED[dtype.base_type()][1])
    return series


def _from_physical(series: pl.Series, dtype: pl.DataType) -> pl.Series:
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


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def _name_lock(name: str) -> int:
    """The per-name advisory lock key (a signed 64-bit integer)."""
    return int.from_bytes(bytes.fromhex(_digest(name)), "big", signed=True)


def _schema_bytes(frame: pl.DataFrame) -> bytes:
    """The exact dtypes (time zones, categories...) as an empty Arrow IPC file; the names are
    neutral there (IPC renames an empty name) and kept in ``columns`` instead."""
    buf = io.BytesIO()
    frame.clear().rename({name: f"c{i}" for i, name in enumerate(frame.columns)}).write_ipc(buf)
    return buf.getvalue()


class _Adbc:
    """One ADBC connection per workspace object (connecting costs ~0.1 s), used by one thread
    at a time, closed when the workspace object goes away."""

    _by_ws: weakref.WeakKeyDictionary[PgWorkspace, _Adbc] = weakref.WeakKeyDictionary()
    _guard = threading.Lock()

    def __init__(self, url: str) -> None:
        import adbc_driver_postgresql.dbapi as adbc  # only when a frame moves

        try:
            self.conn = adbc.connect(url)
        except adbc.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise WorkspaceError(
                f"Cannot read or write tables in the team workspace {redact_url(url)}: "
                f"{reason.rstrip('.')}."
            ) from None
        self.lock = threading.Lock()

    @classmethod
    def of(cls, ws: PgWorkspace) -> _Adbc:
        with cls._guard:
            found = cls._by_ws.get(ws)
            if found is None:
                found = cls._by_ws[ws] = cls(ws.url)
                weakref.finalize(ws, found.conn.close)
            return found


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc, "sqlstate", None)


def _ident(ws: PgWorkspace, *parts: str) -> str:
    return sql.Identifier(*parts).as_string(ws.db.conn)


def _has_meta(ws: PgWorkspace) -> bool:
    found = ws.db.conn.execute("SELECT to_regclass(%s)", (META_TABLE,)).fetchone()
    return found is not None and found[0] is not None


def _ensure_meta(ws: PgWorkspace) -> None:
    if _has_meta(ws):
        return
    with ws.transaction():  # the write lock: two first writers cannot race CREATE TABLE
        ws.db.conn.execute(_SCHEMA_SQL)


def write_frame(
    ws: PgWorkspace, name: str, frame: pl.DataFrame, meta: dict[str, str] | None = None
) -> None:
    """Replace the frame ``name`` in the workspace's schema with ``frame``, atomically: readers
    see the old rows or the new ones. ``meta`` (string keys and values) is stored with it."""
    plan = _plan(frame)
    parts = _parts(plan)
    prefix = f"clay_frame_{_digest(name)}_"
    generation = f"{prefix}{uuid.uuid4().hex[:12]}"  # one generation: all its parts
    tables = [f"{generation}_p{k}" for k in range(len(parts))]
    part_of = {c.index: k for k, cols in enumerate(parts) for c in cols}
    columns = [
        {"name": col_name, "dtype": str(dtype)}
        | ({} if c is None else {"type": c.pg_type, "part": part_of[c.index]})
        for col_name, dtype, c in zip(frame.columns, frame.dtypes, plan, strict=True)
    ]
    _ensure_meta(ws)
    with _name_locked(ws, name):
        _write_parts(ws, frame, tables, parts)
        try:
            _swap(ws, name, tables, (frame, columns, meta))
        except BaseException:
            _drop(ws, tables)
            raise
        _drop(ws, _stale(ws, prefix, keep=tables))


@contextmanager
def _name_locked(ws: PgWorkspace, name: str) -> Iterator[None]:
    """One writer (or dropper) of ``name`` at a time, on any machine: a session-level advisory
    lock, so it also holds across the several transactions of a write."""
    lock = _name_lock(name)
    ws.db.conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
    try:
        yield
    finally:
        ws.db.conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))


def _write_parts(
    ws: PgWorkspace, frame: pl.DataFrame, tables: list[str], parts: list[list[_Column]]
) -> None:
    """Create and fill the new generation's tables in one ADBC transaction."""
    adbc = _Adbc.of(ws)
    with adbc.lock:
        cur = adbc.conn.cursor()
        try:
            for table, cols in zip(tables, parts, strict=True):
                defs = [f"{_ident(ws, ROW)} bigint NOT NULL"]
                defs += [f"{_ident(ws, c.physical)} {c.pg_type}" for c in cols]
                cur.execute(f"CREATE TABLE {_ident(ws, table)} ({', '.join(defs)})")
                physical = pl.DataFrame(
                    [pl.int_range(frame.height, dtype=pl.Int64, eager=True).alias(ROW)]
                    + [
                        _to_physical(frame.to_series(c.index), c.pg_type).alias(c.physical)
                        for c in cols
                    ]
                )
                if frame.height:
                    cur.adbc_ingest(table, physical, mode="append")
            adbc.conn.commit()
        except BaseException:
            adbc.conn.rollback()
            raise
        finally:
            cur.close()


def _swap(
    ws: PgWorkspace,
    name: str,
    tables: list[str],
    what: tuple[pl.DataFrame, list[dict[str, Any]], dict[str, str] | None],
) -> None:
    """Point ``name`` at the new tables (a short transaction under the workspace lock)."""
    frame, columns, meta = what
    with ws.transaction():
        conn = ws.db.conn
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (name, n_rows, columns, schema_ipc, parts, meta) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "n_rows = EXCLUDED.n_rows, columns = EXCLUDED.columns, "
                "schema_ipc = EXCLUDED.schema_ipc, parts = EXCLUDED.parts, meta = EXCLUDED.meta"
            ).format(sql.Identifier(META_TABLE)),
            (
                name,
                frame.height,
                json.dumps(columns),
                _schema_bytes(frame),
                tables,
                json.dumps(dict(meta or {})),
            ),
        )


def _stale(ws: PgWorkspace, prefix: str, keep: list[str]) -> list[str]:
    """The frame's tables other than ``keep``: the old generation, and any a crashed write
    left behind (under the per-name lock no other write of the frame is under way)."""
    rows = ws.db.conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND starts_with(tablename, %s) AND NOT tablename = ANY(%s)",
        (prefix, keep),
    ).fetchall()
    return [row[0] for row in rows]


def _part_order(table: str) -> tuple[str, int]:
    generation, part = table.rsplit("_p", 1)
    return generation, int(part) if part.isdigit() else -1


def _drop(ws: PgWorkspace, tables: list[str]) -> None:
    """Drop tables in one transaction of their own, outside the workspace's write lock: a DROP
    waits for readers still reading them, and the ledger must not wait with it. Readers lock
    a generation's parts in part order; dropping in the same order cannot deadlock with them
    (p2 before p10: by number, not by text)."""
    if not tables:
        return
    conn = ws.db.conn
    nested = ws.db.in_transaction  # inside the caller's transaction: part of it
    if not nested:
        conn.execute("BEGIN")
    try:
        for table in sorted(tables, key=_part_order):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    except BaseException:
        if not nested:
            conn.execute("ROLLBACK")
        raise
    if not nested:
        conn.execute("COMMIT")


def read_frame(ws: PgWorkspace, name: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """The frame ``name`` and its meta, with the dtypes and column order it was written with;
    None if there is no such frame."""
    for _ in range(READ_RETRIES):
        row = _meta_row(ws, name)
        if row is None:
            return None
        try:
            return _read_parts(ws, *row)
        except Exception as exc:
            if _sqlstate(exc) != UNDEFINED_TABLE:
                raise
            # a concurrent replace dropped the generation we were reading: read the new one
    raise WorkspaceError(f"The table {name!r} kept changing while it was being read.")


def _meta_row(ws: PgWorkspace, name: str) -> tuple[Any, ...] | None:
    conn = ws.db.conn
    if not _has_meta(ws):
        return None
    found = conn.execute(
        sql.SQL("SELECT n_rows, columns, schema_ipc, parts, meta FROM {} WHERE name = %s").format(
            sql.Identifier(META_TABLE)
        ),
        (name,),
    ).fetchone()
    return None if found is None else tuple(found)


def _read_parts(
    ws: PgWorkspace,
    n_rows: int,
    columns: list[dict[str, Any]],
    schema_ipc: bytes,
    tables: list[str],
    meta: dict[str, str],
) -> tuple[pl.DataFrame, dict[str, str]]:
    dtypes = pl.read_ipc(io.BytesIO(bytes(schema_ipc))).dtypes
    plan = [
        None if "type" not in spec else _Column(i, spec["type"]) for i, spec in enumerate(columns)
    ]
    parts: list[list[_Column]] = [[] for _ in tables]
    for c, spec in zip(plan, columns, strict=True):
        if c is not None:
            parts[spec["part"]].append(c)
    read: dict[str, pl.Series] = {}
    adbc = _Adbc.of(ws)
    with adbc.lock:
        cur = adbc.conn.cursor()
        try:  # one transaction: a part read stays locked, so a replace cannot drop it midway
            for table, cols in zip(tables, parts, strict=True):
                read.update(_read_part(ws, cur, table, cols).to_dict())
        finally:
            adbc.conn.rollback()
            cur.close()
    out: list[pl.Series] = []
    for dtype, c in zip(dtypes, plan, strict=True):
        if c is None:
            out.append(pl.Series(f"c{len(out)}", [None] * n_rows, dtype=pl.Null))
        else:
            out.append(_from_physical(read[c.physical], dtype).alias(c.physical))
    frame = pl.DataFrame(out, height=n_rows)
    frame.columns = [spec["name"] for spec in columns]  # any text (a Series named "" is renamed)
    return frame, dict(meta)


def _read_part(ws: PgWorkspace, cur: Any, table: str, cols: list[_Column]) -> pl.DataFrame:
    select = ", ".join(_ident(ws, name) for name in [ROW, *(c.physical for c in cols)])
    cur.execute(f"SELECT {select} FROM {_ident(ws, table)}")
    frame = pl.DataFrame(cur.fetch_arrow())
    if not frame.get_column(ROW).is_sorted():  # a heap scan may start midway (synchronised)
        frame = frame.sort(ROW)
    return frame.drop(ROW)


def drop_frame(ws: PgWorkspace, name: str) -> None:
    """Remove the frame ``name`` and its tables (nothing happens if there is none)."""
    if not _has_meta(ws):
        return
    with _name_locked(ws, name):
        with ws.transaction():
            ws.db.conn.execute(
                sql.SQL("DELETE FROM {} WHERE name = %s").format(sql.Identifier(META_TABLE)),
                (name,),
            )
        _drop(ws, _stale(ws, f"clay_frame_{_digest(name)}_", keep=[]))


__all__ = ["drop_frame", "read_frame", "write_frame"]
