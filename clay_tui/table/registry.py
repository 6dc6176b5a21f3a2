"""The ``tables`` registry and the edit journal, both in workspace.db."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from clay_tui.workspace import Workspace
from clay_tui.workspace.changes import announce, journal_topic

SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    source_path TEXT,
    sheet TEXT,
    created_at TEXT,
    next_row_id INTEGER NOT NULL,
    auto_update INTEGER NOT NULL DEFAULT 1,
    snapshot_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS table_journal (
    table_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    op TEXT NOT NULL,
    payload TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    created_at TEXT,
    PRIMARY KEY (table_id, seq)
);
"""


def ensure(ws: Workspace) -> None:
    ws.ensure_schema("tables", SCHEMA)


def table_row(ws: Workspace, table_id: int) -> sqlite3.Row | None:
    ensure(ws)
    return ws.db.execute("SELECT * FROM tables WHERE id = ?", (table_id,)).fetchone()


def auto_update(ws: Workspace, table_id: int) -> bool:
    """Whether the table runs its auto-update columns on new and edited rows."""
    row = table_row(ws, table_id)
    return bool(row["auto_update"]) if row is not None else False


def set_auto_update(ws: Workspace, table_id: int, on: bool) -> None:
    ensure(ws)
    ws.db.execute("UPDATE tables SET auto_update = ? WHERE id = ?", (1 if on else 0, table_id))


def find_by_name(ws: Workspace, name: str) -> sqlite3.Row | None:
    ensure(ws)
    return ws.db.execute("SELECT * FROM tables WHERE name = ?", (name,)).fetchone()


def find_by_source(ws: Workspace, source: str, sheet: str | None) -> sqlite3.Row | None:
    ensure(ws)
    return ws.db.execute(
        f"SELECT * FROM tables WHERE source_path = ? AND sheet {ws.dialect.same} ?"
        " ORDER BY id LIMIT 1",
        (source, sheet),
    ).fetchone()


def all_tables(ws: Workspace) -> list[sqlite3.Row]:
    ensure(ws)
    return ws.db.execute("SELECT * FROM tables ORDER BY id").fetchall()


def journal_entries(
    ws: Workspace, table_id: int, *, after: int | None = None
) -> list[tuple[int, str, dict[str, Any], bool]]:
    """Every journal entry of a table (only those after seq ``after``), oldest first:
    (seq, op, payload, undone)."""
    ensure(ws)
    rows = ws.db.execute(
        "SELECT seq, op, payload, undone FROM table_journal WHERE table_id = ? AND seq > ?"
        " ORDER BY seq",
        (table_id, -1 if after is None else after),
    ).fetchall()
    return [(r["seq"], r["op"], json.loads(r["payload"]), bool(r["undone"])) for r in rows]


def snapshot_seq(ws: Workspace, table_id: int) -> int:
    """The journal entry the table's snapshot file includes, as its last save recorded."""
    row = ws.db.execute("SELECT snapshot_seq FROM tables WHERE id = ?", (table_id,)).fetchone()
    return int(row[0]) if row is not None else 0


def append_entry(
    ws: Workspace, table_id: int, seq: int, op: str, payload: dict[str, Any], created_at: str
) -> None:
    ws.db.execute(
        "INSERT INTO table_journal (table_id, seq, op, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (table_id, seq, op, json.dumps(payload, separators=(",", ":")), created_at),
    )
    announce(ws, journal_topic(table_id))  # open copies elsewhere catch up on COMMIT
