"""Polars frames stored as PostgreSQL tables in a team workspace's schema.

Layout. One row per frame in ``clay_frames`` (name, row count, column names and physical types,
the exact Polars dtypes as an empty Arrow IPC file, the physical tables, the caller's ``meta``).
The rows live in physical tables ``clay_frame_<hash>_<generation>_p<k>``: a row ordinal ``_r``
and the frame's columns as ``c0 .. cN`` (user column names are untrusted text of any length:
they are only ever stored as values, never used as identifiers). PostgreSQL caps a table at
1,600 columns and a row at one 8 kB page, so the columns are packed into as many part tables as
their worst-case row width needs, put back side by side on ``_r`` in Polars (20,000 short
text columns: 49 parts, written in ~5 s, read in ~1 s). ``pl.Null`` columns are not stored.

Transfer (bench/pg_open.py has the figures). Reads: Arrow over ADBC (``adbc-driver-postgresql``,
binary COPY, no Python per row, no pyarrow needed): the least CPU of ADBC, connectorx and
psycopg COPY for a 1M-row lead table. Writes: CSV from Polars into psycopg ``COPY ... FREEZE``:
less client CPU than ADBC's ingest (0.85 s against 1.4 s), the server's work about alike, and
no hint-bit writes or freezing later. Both use connections of their own, opened on first use
and kept for the workspace object, so a big transfer never holds up ``ws.db``.

Atomic replace, outside the write lock. A write stages a new generation: creates its tables
and fills them in one transaction on the bulk connection (``stage_frame``: the slow part, under
no lock anyone else waits for); then points the ``clay_frames`` row at them (``install_frame``:
one row, in the caller's transaction under the workspace's write lock, e.g. beside the
snapshot seq a save records); then drops the old generation (``settle_frame``, after commit and
outside that lock: a DROP waits for the readers still reading it, and the ledger must not wait
with it). A generation never changes once visible. A reader reads the row, then the parts in
one transaction (its locks make the drop wait for it); if the drop came first, the reader
starts over from the row. Readers see the old rows or the new ones, never a mix.
A writer holds an advisory lock named after its generation from staging until it settles, so
the leftovers of a crashed write (tables no row points at, whose lock is free) are swept by the
next write of that name, and a write under way is never swept.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import psycopg
from psycopg import sql

from clay_tui.errors import WorkspaceError
from clay_tui.workspace import pg_frame_layout as layout
from clay_tui.workspace.pg import PgWorkspace, redact_url
from clay_tui.workspace.pg_frame_layout import Column, from_physical, to_physical
from clay_tui.workspace.pg_frame_links import Links as _Links

META_TABLE = "clay_frames"
ROW = "_r"  # the row ordinal in every part table
COPY_ROWS = 100_000  # rows per CSV chunk sent to COPY
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


@dataclass
class StagedFrame:
    """A frame's new generation, written and not yet the frame's (``stage_frame``)."""

    name: str
    generation: str
    tables: list[str]
    n_rows: int
    columns: list[dict[str, Any]]
    schema_ipc: bytes
    meta: dict[str, str]
    replaced: list[str] = field(default_factory=list)  # the generation install put aside
    installed: bool = False
    committed: bool | None = None  # how the transaction of install ended (None: not yet)
    settled: bool = False


def write_frame(
    ws: PgWorkspace, name: str, frame: pl.DataFrame, meta: dict[str, str] | None = None
) -> None:
    """Replace the frame ``name`` in the workspace's schema with ``frame``, atomically: readers
    see the old rows or the new ones. ``meta`` (string keys and values) is stored with it.
    Inside the caller's transaction the swap is part of it (the old generation is dropped, or
    the new one if it rolls back, when it ends)."""
    staged = stage_frame(ws, name, frame, meta)
    try:
        with ws.transaction():
            install_frame(ws, staged)
    finally:
        settle_frame(ws, staged)


def stage_frame(
    ws: PgWorkspace, name: str, frame: pl.DataFrame, meta: dict[str, str] | None = None
) -> StagedFrame:
    """Write ``frame`` as a new generation of ``name`` (the bulk of a write) on the bulk
    connection, outside the workspace's write lock: nobody waits for it. Not the frame's yet:
    ``install_frame`` points the frame at it, ``settle_frame`` ends it either way."""
    plan = layout.plan(frame)
    parts = layout.pack(plan)
    prefix = _prefix(name)
    generation = f"{prefix}{uuid.uuid4().hex[:12]}"  # one generation: all its parts
    tables = [f"{generation}_p{k}" for k in range(len(parts))]
    part_of = {c.index: k for k, cols in enumerate(parts) for c in cols}
    columns = [
        {"name": col_name, "dtype": str(dtype)}
        | ({} if c is None else {"type": c.pg_type, "part": part_of[c.index]})
        for col_name, dtype, c in zip(frame.columns, frame.dtypes, plan, strict=True)
    ]
    _ensure_meta(ws)
    staged = StagedFrame(
        name, generation, tables, frame.height, columns, _schema_bytes(frame), dict(meta or {})
    )
    links = _Links.of(ws)
    with links.lock:
        conn = links.pg()
        # held until settled: a crashed writer's generation is free to sweep, ours is not
        conn.execute("SELECT pg_advisory_lock(%s)", (_name_lock(generation),))
        links.inflight.add(generation)
    try:
        _sweep(ws, name)
        _write_parts(ws, frame, tables, parts)
    except BaseException:
        settle_frame(ws, staged)
        raise
    return staged


def install_frame(ws: PgWorkspace, staged: StagedFrame) -> None:
    """Point the frame at the staged generation: one row, in the caller's write transaction
    (or one of its own), the only part of a write under the workspace's lock."""
    with ws.transaction():
        staged.replaced = _swap(ws, staged)
        staged.installed = True
        ws.on_transaction_end(lambda committed: setattr(staged, "committed", committed))


def settle_frame(ws: PgWorkspace, staged: StagedFrame) -> None:
    """End a staged write, outside the write lock: drop the generation the committed install
    replaced, or the staged one that never became the frame's (a DROP waits for the readers
    still reading, so it never runs under the workspace's lock). Idempotent; installed in a
    transaction still open (the caller's), it settles when that ends."""
    if staged.settled:
        return
    if staged.installed and staged.committed is None:
        ws.on_transaction_end(lambda _committed: settle_frame(ws, staged))
        return
    staged.settled = True
    links = _Links.of(ws)
    try:
        _drop(ws, staged.replaced if staged.committed else staged.tables)
    finally:
        with links.lock:
            links.inflight.discard(staged.generation)
            links.pg().execute("SELECT pg_advisory_unlock(%s)", (_name_lock(staged.generation),))


def _prefix(name: str) -> str:
    return f"clay_frame_{_digest(name)}_"


def _generation_of(table: str) -> str:
    return table.rsplit("_p", 1)[0]


def _sweep(ws: PgWorkspace, name: str) -> None:
    """Drop the tables of ``name`` no write needs: generations that are not the frame's and
    whose writer is gone (a crash between filling and pointing, or before dropping the old
    one). A writer holds its generation's lock until it settles, so a generation whose lock
    is free is either installed (read after the lock, below) or abandoned."""
    links = _Links.of(ws)
    with links.lock:
        conn = links.pg()
        found = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND starts_with(tablename, %s)",
            (_prefix(name),),
        ).fetchall()
        generations = {_generation_of(row[0]) for row in found} - links.inflight
        free = []
        try:
            for generation in sorted(generations):
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (_name_lock(generation),))
                if got.fetchone()[0]:  # type: ignore[index]
                    free.append(generation)
            current = None  # clay_frames may be new in a transaction still open: no frame
            if conn.execute("SELECT to_regclass(%s)", (META_TABLE,)).fetchone()[0]:  # type: ignore[index]
                current = conn.execute(
                    sql.SQL("SELECT parts FROM {} WHERE name = %s").format(
                        sql.Identifier(META_TABLE)
                    ),
                    (name,),
                ).fetchone()
            keep = {_generation_of(t) for t in (current[0] if current else [])}
            stale = [row[0] for row in found if _generation_of(row[0]) in set(free) - keep]
        finally:
            for generation in free:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_name_lock(generation),))
    _drop(ws, stale)


def _write_parts(
    ws: PgWorkspace, frame: pl.DataFrame, tables: list[str], parts: list[list[Column]]
) -> None:
    """Create and fill the new generation's tables in one transaction. CSV through psycopg
    COPY: Polars writes CSV on all cores, and FREEZE (the tables are new in this transaction)
    spares every later reader the hint-bit writes; ADBC's binary ingest took twice the CPU."""
    links = _Links.of(ws)
    with links.lock:
        conn = links.pg()
        with conn.transaction():
            for table, cols in zip(tables, parts, strict=True):
                defs = [sql.SQL("{} bigint NOT NULL").format(sql.Identifier(ROW))]
                defs += [
                    sql.SQL("{} {}").format(sql.Identifier(c.physical), sql.SQL(c.pg_type))
                    for c in cols
                ]
                conn.execute(
                    sql.SQL("CREATE TABLE {} ({})").format(
                        sql.Identifier(table), sql.SQL(", ").join(defs)
                    )
                )
                if frame.height:
                    _copy_in(conn, table, frame, cols)


def _copy_in(
    conn: psycopg.Connection[Any], table: str, frame: pl.DataFrame, cols: list[Column]
) -> None:
    query = sql.SQL("COPY {} FROM STDIN (FORMAT csv, FREEZE)").format(sql.Identifier(table))
    with conn.cursor() as cur, cur.copy(query) as copy:
        for start in range(0, frame.height, COPY_ROWS):  # the server parses while we format
            chunk = frame.slice(start, COPY_ROWS)
            physical = pl.DataFrame(
                [pl.int_range(start, start + chunk.height, dtype=pl.Int64, eager=True).alias(ROW)]
                + [to_physical(chunk.to_series(c.index), c.pg_type).alias(c.physical) for c in cols]
            )
            buf = io.BytesIO()
            physical.write_csv(buf, include_header=False, null_value="", quote_style="non_numeric")
            copy.write(buf.getbuffer())


def _swap(ws: PgWorkspace, staged: StagedFrame) -> list[str]:
    """Point the frame at the staged tables (one row, under the workspace lock); returns the
    tables of the generation it pointed at before."""
    conn = ws.db.conn
    table = sql.Identifier(META_TABLE)
    old = conn.execute(
        sql.SQL("SELECT parts FROM {} WHERE name = %s FOR UPDATE").format(table), (staged.name,)
    ).fetchone()
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (name, n_rows, columns, schema_ipc, parts, meta) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
            "n_rows = EXCLUDED.n_rows, columns = EXCLUDED.columns, "
            "schema_ipc = EXCLUDED.schema_ipc, parts = EXCLUDED.parts, meta = EXCLUDED.meta"
        ).format(table),
        (
            staged.name,
            staged.n_rows,
            json.dumps(staged.columns),
            staged.schema_ipc,
            staged.tables,
            json.dumps(staged.meta),
        ),
    )
    return [] if old is None else [t for t in old[0] if t not in staged.tables]


def _part_order(table: str) -> tuple[str, int]:
    generation, part = table.rsplit("_p", 1)
    return generation, int(part) if part.isdigit() else -1


def _drop(ws: PgWorkspace, tables: list[str]) -> None:
    """Drop tables in a transaction of their own on the bulk connection, outside the
    workspace's write lock and off ``ws.db``: a DROP waits for readers still reading them, and
    the ledger must not wait with it. Readers lock a generation's parts in part order;
    dropping in the same order cannot deadlock with them (p2 before p10: by number)."""
    if not tables:
        return
    links = _Links.of(ws)
    with links.lock:
        conn = links.pg()
        with conn.transaction():
            for table in sorted(tables, key=_part_order):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


def read_frame(ws: PgWorkspace, name: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
    """The frame ``name`` and its meta, with the dtypes and column order it was written with;
    None if there is no such frame."""
    tried: list[str] = []
    for _ in range(READ_RETRIES):
        row = _meta_row(ws, name)
        if row is None:
            return None
        if row[3] == tried:  # the same generation is still current, yet gone: not a race
            raise WorkspaceError(
                f"The rows of table {name!r} are missing from the team workspace "
                f"{redact_url(ws.url)}: restore it from a backup or import it again."
            )
        try:
            return _read_parts(ws, *row)
        except Exception as exc:
            if _sqlstate(exc) != UNDEFINED_TABLE:
                raise
            tried = row[3]  # a replace dropped the generation we were reading: read the new one
    raise WorkspaceError(f"The table {name!r} kept changing while it was being read.")


def frame_info(ws: PgWorkspace, name: str) -> tuple[int, int, dict[str, str]] | None:
    """Rows, columns and meta of the frame ``name`` from its ``clay_frames`` row alone (no
    rows read: listing tables must not cost a read of each); None if there is no such frame."""
    if not _has_meta(ws):
        return None
    found = ws.db.conn.execute(
        sql.SQL("SELECT n_rows, jsonb_array_length(columns), meta FROM {} WHERE name = %s").format(
            sql.Identifier(META_TABLE)
        ),
        (name,),
    ).fetchone()
    return None if found is None else (int(found[0]), int(found[1]), dict(found[2]))


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
        None if "type" not in spec else Column(i, spec["type"]) for i, spec in enumerate(columns)
    ]
    parts: list[list[Column]] = [[] for _ in tables]
    for c, spec in zip(plan, columns, strict=True):
        if c is not None:
            parts[spec["part"]].append(c)
    read: dict[str, pl.Series] = {}
    links = _Links.of(ws)
    with links.lock:
        conn = links.adbc()
        cur = conn.cursor()
        try:  # one transaction: a part read stays locked, so a replace cannot drop it midway
            for table, cols in zip(tables, parts, strict=True):
                read.update(_read_part(ws, cur, table, cols).to_dict())
        finally:
            conn.rollback()
            cur.close()
    out: list[pl.Series] = []
    for dtype, c in zip(dtypes, plan, strict=True):
        if c is None:
            out.append(pl.Series(f"c{len(out)}", [None] * n_rows, dtype=pl.Null))
        else:
            out.append(from_physical(read[c.physical], dtype).alias(c.physical))
    frame = pl.DataFrame(out, height=n_rows)
    frame.columns = [spec["name"] for spec in columns]  # any text (a Series named "" is renamed)
    return frame, dict(meta)


def _read_part(ws: PgWorkspace, cur: Any, table: str, cols: list[Column]) -> pl.DataFrame:
    select = ", ".join(_ident(ws, name) for name in [ROW, *(c.physical for c in cols)])
    cur.execute(f"SELECT {select} FROM {_ident(ws, table)}")
    frame = pl.DataFrame(cur.fetch_arrow())
    if not frame.get_column(ROW).is_sorted():  # a heap scan may start midway (synchronised)
        frame = frame.sort(ROW)
    return frame.drop(ROW)


def drop_frame(ws: PgWorkspace, name: str) -> None:
    """Remove the frame ``name`` and its tables (nothing happens if there is none); inside
    the caller's transaction the tables go once it commits. A write of it under way elsewhere
    keeps its tables, and makes the frame again when it lands (the last write wins)."""
    if not _has_meta(ws):
        return
    with ws.transaction():
        ws.db.conn.execute(
            sql.SQL("DELETE FROM {} WHERE name = %s").format(sql.Identifier(META_TABLE)),
            (name,),
        )
    ws.on_transaction_end(lambda committed: _sweep(ws, name) if committed else None)


__all__ = [
    "StagedFrame",
    "drop_frame",
    "frame_info",
    "install_frame",
    "read_frame",
    "settle_frame",
    "stage_frame",
    "write_frame",
]
