"""Polars frames stored as PostgreSQL tables in a team workspace's schema.

Layout. One row per frame in ``clay_frames`` (name, row count, the exact Polars schema as an
empty Arrow IPC file, the physical tables, the caller's ``meta``). The rows live in physical
tables ``clay_frame_<hash>_<generation>_p<k>``: a row ordinal ``_r`` and the frame's columns as
``c0 .. cN`` (user column names are untrusted text of any length: they are only ever values,
never identifiers). PostgreSQL caps a table at 1,600 columns and a row at one 8 kB page, so the
columns are packed into as many part tables as their worst-case row width needs (a few
thousand text columns: a few dozen parts, joined back on ``_r`` in Polars).

Atomic replace. A write creates a new generation's tables and fills them in one transaction,
then swaps the ``clay_frames`` row to them and drops the old generation in another (under the
workspace's write lock). A generation's tables never change once visible, so a reader that read
the row reads exactly that generation; if the swap dropped it meanwhile, the reader starts over
from the row and reads the new one. Readers therefore see the old rows or the new ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from clay_tui.errors import WorkspaceError
from clay_tui.workspace.pg import PgWorkspace

META_TABLE = "clay_frames"
ROW = "_r"  # the row ordinal in every part table
MAX_PART_COLUMNS = 1500  # PostgreSQL's cap is 1,600 columns per table
MAX_PART_BYTES = 6000  # worst-case row width per part: a heap row must fit in one 8 kB page
READ_RETRIES = 50  # a reader restarts when a concurrent replace dropped what it was reading

_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {META_TABLE} (
    name text PRIMARY KEY,
    n_rows bigint NOT NULL,
    schema_ipc bytea NOT NULL,
    columns jsonb NOT NULL,
    parts text[] NOT NULL,
    meta jsonb NOT NULL
)
"""

_FIXED: dict[Any, tuple[str, int]] = {
    pl.Int8: ("smallint", 2),
    pl.Int16: ("smallint", 2),
    pl.Int32: ("integer", 4),
    pl.Int64: ("bigint", 8),
    pl.UInt8: ("smallint", 2),
    pl.UInt16: ("integer", 4),
    pl.UInt32: ("bigint", 8),
    pl.Float32: ("real", 4),
    pl.Float64: ("double precision", 8),
    pl.Boolean: ("boolean", 1),
    pl.Date: ("date", 4),
}
_TEXT_WORST = 24  # a text value after TOAST: inline if short, else an 18-byte pointer (aligned)


@dataclass(frozen=True)
class _Column:
    """How one frame column is stored: its physical name, SQL type and worst-case width."""

    index: int
    pg_type: str
    width: int

    @property
    def physical(self) -> str:
        return f"c{self.index}"


def _plan(frame: pl.DataFrame) -> list[_Column | None]:
    """The physical column for each frame column (None: all-null dtype, not stored)."""
    out: list[_Column | None] = []
    for i, (dtype, series) in enumerate(zip(frame.dtypes, frame.iter_columns(), strict=True)):
        if dtype == pl.Null:
            out.append(None)
        elif dtype.base_type() in _FIXED:
            pg_type, width = _FIXED[dtype.base_type()]
            out.append(_Column(i, pg_type, width))
        elif dtype == pl.UInt64:
            out.append(_Column(i, "bigint", 8))  # stored bit for bit (reinterpreted as Int64)
        elif isinstance(dtype, pl.Datetime):
            out.append(_Column(i, "bigint", 8))  # epoch in the dtype's own unit: exact
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
        if parts[-1] and (len(parts[-1]) >= MAX_PART_COLUMNS or width + col.width > MAX_PART_BYTES):
            parts.append([])
            width = 8
        parts[-1].append(col)
        width += col.width
    return parts


def _to_physical(series: pl.Series, pg_type: str) -> pl.Series:
    dtype = series.dtype
    if pg_type == "bytea":
        return "\\x" + series.cast(pl.String).str.encode("hex")
    if dtype == pl.UInt64:
        return series.reinterpret(signed=True)
    if isinstance(dtype, pl.Datetime):
        return series.dt.epoch(dtype.time_unit or "us")  # type: ignore[arg-type]
    if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        return series.cast(pl.String)
    return series


def _from_physical(series: pl.Series, dtype: pl.DataType, pg_type: str) -> pl.Series:
    if pg_type == "bytea":
        series = series.str.strip_prefix("\\x").str.decode("hex").cast(pl.String)
    if dtype == pl.UInt64:
        return series.reinterpret(signed=False)
    if isinstance(dtype, pl.Datetime):
        naive = series.cast(pl.Datetime(dtype.time_unit or "us"))
        return (
            naive.dt.replace_time_zone("UTC").dt.convert_time_zone(dtype.time_zone)
            if (dtype.time_zone)
            else naive
        )
    if series.dtype != dtype:
        return series.cast(dtype)
    return series


def _read_type(pg_type: str) -> Any:
    return {
        "smallint": pl.Int16,
        "integer": pl.Int32,
        "bigint": pl.Int64,
        "real": pl.Float32,
        "double precision": pl.Float64,
        "boolean": pl.Boolean,
        "date": pl.Date,
        "text": pl.String,
        "bytea": pl.String,
    }[pg_type]


def _table_name(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"clay_frame_{digest}_{uuid.uuid4().hex[:12]}"


def _schema_bytes(frame: pl.DataFrame) -> bytes:
    """The exact dtypes (time zones, categories...) as an empty Arrow IPC file; the names are
    neutral there (IPC renames an empty name) and kept in ``columns`` instead."""
    buf = io.BytesIO()
    frame.clear().rename({name: f"c{i}" for i, name in enumerate(frame.columns)}).write_ipc(buf)
    return buf.getvalue()


def _empty_from(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


@contextmanager
def _txn(ws: PgWorkspace) -> Iterator[psycopg.Connection[Any]]:
    """A transaction on the workspace connection (a savepoint inside an open one)."""
    conn = ws.db.conn
    nested = ws.db.in_transaction
    conn.execute("SAVEPOINT clay_frames" if nested else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO SAVEPOINT clay_frames" if nested else "ROLLBACK")
        raise
    conn.execute("RELEASE SAVEPOINT clay_frames" if nested else "COMMIT")


def _ensure_meta(ws: PgWorkspace) -> None:
    with ws.transaction():  # the write lock: two first writers cannot race CREATE TABLE
        ws.db.conn.execute(_SCHEMA_SQL)


def write_frame(
    ws: PgWorkspace, name: str, frame: pl.DataFrame, meta: dict[str, str] | None = None
) -> None:
    """Replace the frame ``name`` in the workspace's schema with ``frame``, atomically: readers
    see the old rows or the new ones. ``meta`` (string keys and values) is stored with it."""
    plan = _plan(frame)
    parts = _parts(plan)
    base = _table_name(name)
    tables = [f"{base}_p{k}" for k in range(len(parts))]
    _ensure_meta(ws)
    with _txn(ws) as conn:
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        for table, cols in zip(tables, parts, strict=True):
            _write_part(conn, table, frame, cols)
    part_of = {c.index: k for k, cols in enumerate(parts) for c in cols}
    columns = [
        {"name": col_name, "dtype": str(dtype)}
        | ({} if c is None else {"physical": c.physical, "type": c.pg_type, "part": part_of[i]})
        for i, (col_name, dtype, c) in enumerate(
            zip(frame.columns, frame.dtypes, plan, strict=True)
        )
    ]
    try:
        with ws.transaction():
            conn = ws.db.conn
            old = conn.execute(
                sql.SQL("SELECT parts FROM {} WHERE name = %s FOR UPDATE").format(
                    sql.Identifier(META_TABLE)
                ),
                (name,),
            ).fetchone()
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, n_rows, schema_ipc, columns, parts, meta) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                    "n_rows = EXCLUDED.n_rows, schema_ipc = EXCLUDED.schema_ipc, "
                    "columns = EXCLUDED.columns, parts = EXCLUDED.parts, meta = EXCLUDED.meta"
                ).format(sql.Identifier(META_TABLE)),
                (
                    name,
                    frame.height,
                    _schema_bytes(frame),
                    json.dumps(columns),
                    tables,
                    json.dumps(dict(meta or {})),
                ),
            )
            if old is not None:
                _drop(conn, old[0])
    except BaseException:
        with _txn(ws) as conn:
            _drop(conn, tables)
        raise


def _drop(conn: psycopg.Connection[Any], tables: list[str]) -> None:
    for table in tables:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


def _write_part(
    conn: psycopg.Connection[Any], table: str, frame: pl.DataFrame, cols: list[_Column]
) -> None:
    defs = [sql.SQL("{} bigint NOT NULL").format(sql.Identifier(ROW))]
    defs += [sql.SQL("{} {}").format(sql.Identifier(c.physical), sql.SQL(c.pg_type)) for c in cols]
    conn.execute(
        sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(defs))
    )
    physical = pl.DataFrame(
        [pl.int_range(frame.height, dtype=pl.Int64, eager=True).alias(ROW)]
        + [_to_physical(frame.to_series(c.index), c.pg_type).alias(c.physical) for c in cols],
        height=frame.height,
    )
    buf = io.BytesIO()
    physical.write_csv(buf, include_header=False, null_value="", quote_style="non_numeric")
    copy = sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(sql.Identifier(table))
    with conn.cursor() as cur, cur.copy(copy) as out:
        out.write(buf.getbuffer())


def read_frame(ws: PgWorkspace, name: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """The frame ``name`` and its meta, with the dtypes and column order it was written with;
    None if there is no such frame."""
    for _ in range(READ_RETRIES):
        try:
            return _read_once(ws, name)
        except psycopg.errors.UndefinedTable:
            continue  # a concurrent replace dropped the generation we were reading
    raise WorkspaceError(f"The table {name!r} kept changing while it was being read.")


def _read_once(ws: PgWorkspace, name: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
    with _txn(ws) as conn:
        if conn.execute("SELECT to_regclass(%s)", (META_TABLE,)).fetchone()[0] is None:  # type: ignore[index]
            return None
        row = conn.execute(
            sql.SQL(
                "SELECT n_rows, schema_ipc, columns, parts, meta FROM {} WHERE name = %s"
            ).format(sql.Identifier(META_TABLE)),
            (name,),
        ).fetchone()
        if row is None:
            return None
        n_rows, schema_ipc, columns, tables, meta = row
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        empty = _empty_from(bytes(schema_ipc))
        plan = [
            None if "physical" not in spec else _Column(i, spec["type"], 0)
            for i, spec in enumerate(columns)
        ]
        parts: list[list[_Column]] = [[] for _ in tables]
        for c, spec in zip(plan, columns, strict=True):
            if c is not None:
                parts[spec["part"]].append(c)
        read: dict[str, pl.Series] = {}
        for table, cols in zip(tables, parts, strict=True):
            read.update(_read_part(conn, table, cols, n_rows).to_dict())
    out: list[pl.Series] = []
    for dtype, c in zip(empty.dtypes, plan, strict=True):
        if c is None:
            out.append(pl.Series(f"c{len(out)}", [None] * n_rows, dtype=pl.Null))
        else:
            out.append(_from_physical(read[c.physical], dtype, c.pg_type).alias(c.physical))
    frame = pl.DataFrame(out, height=n_rows)
    frame.columns = [spec["name"] for spec in columns]  # any text (a Series named "" is renamed)
    return frame, dict(meta)


def _read_part(
    conn: psycopg.Connection[Any], table: str, cols: list[_Column], n_rows: int
) -> pl.DataFrame:
    select = [sql.Identifier(ROW)] + [
        sql.SQL("{}::text").format(sql.Identifier(c.physical))
        if c.pg_type == "boolean"
        else sql.Identifier(c.physical)
        for c in cols
    ]
    query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(select), sql.Identifier(table)
    )
    chunks: list[bytes] = []
    with conn.cursor() as cur, cur.copy(query) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    schema = {ROW: pl.Int64} | {c.physical: _read_type(c.pg_type) for c in cols}
    if n_rows == 0:
        return pl.DataFrame(schema=schema).drop(ROW)
    frame = pl.read_csv(b"".join(chunks), has_header=False, schema=schema)
    if not frame.get_column(ROW).is_sorted():
        frame = frame.sort(ROW)
    return frame.drop(ROW)


def drop_frame(ws: PgWorkspace, name: str) -> None:
    """Remove the frame ``name`` and its tables (nothing happens if there is none)."""
    _ensure_meta(ws)
    with ws.transaction():
        conn = ws.db.conn
        row = conn.execute(
            sql.SQL("DELETE FROM {} WHERE name = %s RETURNING parts").format(
                sql.Identifier(META_TABLE)
            ),
            (name,),
        ).fetchone()
        if row is not None:
            _drop(conn, row[0])


__all__ = ["drop_frame", "read_frame", "write_frame"]
