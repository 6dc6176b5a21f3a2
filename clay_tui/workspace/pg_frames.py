"""Frames stored as rows of a team workspace (stand-in until helper pgbench's version lands).

``write_frame(ws, name, frame, meta)`` replaces the frame stored under ``name`` (with its
string metadata) in one transaction; ``read_frame(ws, name)`` returns ``(frame, meta)`` or
None; ``drop_frame(ws, name)`` removes it.
"""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl

SCHEMA = """CREATE TABLE IF NOT EXISTS table_frames (
    name TEXT PRIMARY KEY,
    meta TEXT NOT NULL,
    data BYTEA NOT NULL
)"""


def _ensure(ws: Any) -> None:
    ws.db.execute(SCHEMA)


def write_frame(ws: Any, name: str, frame: pl.DataFrame, meta: dict[str, str]) -> None:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="lz4")
    _ensure(ws)
    with ws.transaction() as db:
        db.execute("DELETE FROM table_frames WHERE name = ?", (name,))
        db.execute(
            "INSERT INTO table_frames (name, meta, data) VALUES (?, ?, ?)",
            (name, json.dumps(meta), buf.getvalue()),
        )


def read_frame(ws: Any, name: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
    _ensure(ws)
    row = ws.db.execute("SELECT meta, data FROM table_frames WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    return pl.read_parquet(io.BytesIO(bytes(row[1]))), json.loads(row[0])


def drop_frame(ws: Any, name: str) -> None:
    _ensure(ws)
    ws.db.execute("DELETE FROM table_frames WHERE name = ?", (name,))
