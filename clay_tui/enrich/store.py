"""The engine's SQLite tables: column specs, runs, attempts and cell results.

``cells`` is the source of truth for enrichment results (the frame is a display
copy); ``attempts`` holds one row per paid call, committed *before* the call, so a
crash leaves a trace that the next run reconciles.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from typing import Any

from clay_tui.states import AttemptState, CellState, RunStatus
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import table_columns
from clay_tui.workspace.changes import announce, cells_topic

SCHEMA_NAME = "enrich"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS enrich_columns (
    id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    auto_update INTEGER NOT NULL DEFAULT 1,
    created_at TEXT,
    removed_at TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL,
    column_id INTEGER NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    status TEXT NOT NULL,
    row_set TEXT,
    max_credits INTEGER,
    pid INTEGER,
    rows INTEGER,
    credits INTEGER,
    sandbox INTEGER,
    trigger TEXT,
    counts TEXT,
    forced INTEGER
);
CREATE TABLE IF NOT EXISTS cells (
    table_id INTEGER NOT NULL,
    column_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    value TEXT,
    provider TEXT,
    credits INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    updated_at TEXT,
    error TEXT,
    sandbox INTEGER,
    seq INTEGER,
    PRIMARY KEY (table_id, column_id, row_id)
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    table_id INTEGER NOT NULL,
    column_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    provider TEXT NOT NULL,
    op TEXT NOT NULL,
    amount INTEGER NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    started_at TEXT,
    finished_at TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS attempts_open ON attempts(state) WHERE state = '{AttemptState.STARTED}';
CREATE INDEX IF NOT EXISTS attempts_cell ON attempts(table_id, column_id, row_id);
"""

_MIGRATED: weakref.WeakSet[Workspace] = weakref.WeakSet()
# A removed column keeps its row (reports name its spend by it), so a name is unique
# only among the columns still in use.
LIVE_NAMES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS enrich_columns_live ON enrich_columns"
    "(table_id, name) WHERE removed_at IS NULL"
)
# Each cell write takes the table's next number (under the write lock, so numbers commit in
# order): a table open elsewhere reads the cells numbered after the last it saw.
CELLS_SEQ = "CREATE INDEX IF NOT EXISTS cells_seq ON cells(table_id, seq)"
SPEC_COLUMNS = ("id", "table_id", "name", "kind", "spec", "auto_update", "created_at")


def ensure(ws: Workspace) -> None:
    ws.ensure_schema(SCHEMA_NAME, SCHEMA)
    if ws not in _MIGRATED:
        _migrate(ws)
        _MIGRATED.add(ws)


def _migrate(ws: Workspace) -> None:
    """Workspaces made before columns could be removed: add ``removed_at`` and trade the
    table-wide UNIQUE(table_id, name) for one over live columns (SQLite cannot drop a
    constraint, so the table is rebuilt; ids are kept)."""
    with ws.transaction() as db:
        have = table_columns(db, "enrich_columns")
        if "removed_at" not in have and "spec" in have:
            keep = ", ".join(c for c in SPEC_COLUMNS if c in have)
            db.execute("DROP TABLE IF EXISTS enrich_columns_new")
            db.execute(
                SCHEMA.split(";")[0].replace("IF NOT EXISTS enrich_columns", "enrich_columns_new")
            )
            db.execute(f"INSERT INTO enrich_columns_new ({keep}) SELECT {keep} FROM enrich_columns")
            db.execute("DROP TABLE enrich_columns")
            db.execute("ALTER TABLE enrich_columns_new RENAME TO enrich_columns")
            have.add("removed_at")
        if "removed_at" in have:
            db.execute(LIVE_NAMES)
        # runs made before runs said what started them (manual, cli, auto-update)
        if "trigger" not in table_columns(db, "runs"):
            db.execute("ALTER TABLE runs ADD COLUMN trigger TEXT")
        if "counts" not in table_columns(db, "runs"):
            db.execute("ALTER TABLE runs ADD COLUMN counts TEXT")  # cells per state, as JSON
        # runs made before a run said whether it re-runs stored cells (verify reads it)
        if "forced" not in table_columns(db, "runs"):
            db.execute("ALTER TABLE runs ADD COLUMN forced INTEGER")
        # cells written before each write was numbered (an open table reads only what is new)
        if "seq" not in table_columns(db, "cells"):
            db.execute("ALTER TABLE cells ADD COLUMN seq BIGINT")
        db.execute(CELLS_SEQ)
        # runs made before they named the member who started them
        if "member" not in table_columns(db, "runs"):
            db.execute("ALTER TABLE runs ADD COLUMN member TEXT")
        # attempts made before they kept the provider's verdict (verifier status, message)
        if "detail" not in table_columns(db, "attempts"):
            db.execute("ALTER TABLE attempts ADD COLUMN detail TEXT")
        # runs made before a team workspace: the machine running it, and how long its word
        # holds (another machine cannot ask this one's process table: it reads the lease)
        if "lease_until" not in table_columns(db, "runs"):
            db.execute("ALTER TABLE runs ADD COLUMN host TEXT")
            db.execute("ALTER TABLE runs ADD COLUMN lease_until TEXT")


def cell_rows(ws: Workspace, table_id: int, column_id: int) -> dict[int, sqlite3.Row]:
    ensure(ws)
    rows = ws.db.execute(
        "SELECT * FROM cells WHERE table_id = ? AND column_id = ?", (table_id, column_id)
    ).fetchall()
    return {r["row_id"]: r for r in rows}


def cell_states(ws: Workspace, table_id: int, column_id: int) -> dict[int, str]:
    ensure(ws)
    return dict(
        ws.db.execute(
            "SELECT row_id, status FROM cells WHERE table_id = ? AND column_id = ?",
            (table_id, column_id),
        ).fetchall()
    )


def write_cell(
    ws: Workspace,
    *,
    table_id: int,
    column_id: int,
    row_id: int,
    status: CellState,
    value: dict[str, Any] | None,
    provider: str | None,
    credits: int,
    run_id: int | None,
    at: str,
    error: str | None,
    sandbox: bool | None,
) -> None:
    ws.db.execute(
        "INSERT INTO cells (table_id, column_id, row_id, status, value, provider,"
        " credits, run_id, updated_at, error, sandbox, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
        " (SELECT COALESCE(MAX(seq), 0) + 1 FROM cells WHERE table_id = ?))"
        " ON CONFLICT (table_id, column_id, row_id) DO UPDATE SET status = excluded.status,"
        " value = excluded.value, provider = excluded.provider, credits = excluded.credits,"
        " run_id = excluded.run_id, updated_at = excluded.updated_at, error = excluded.error,"
        " sandbox = excluded.sandbox, seq = excluded.seq",
        (
            table_id,
            column_id,
            row_id,
            CellState(status).value,  # only a known state is stored
            json.dumps(value, default=str) if value is not None else None,
            provider,
            credits,
            run_id,
            at,
            error,
            None if sandbox is None else int(sandbox),
            table_id,
        ),
    )
    announce(ws, cells_topic(table_id))


def last_cell_seq(ws: Workspace, table_id: int) -> int:
    """The number of the table's latest cell write (0: none numbered yet)."""
    row = ws.db.execute("SELECT MAX(seq) FROM cells WHERE table_id = ?", (table_id,)).fetchone()
    return int(row[0] or 0)


def cells_after(ws: Workspace, table_id: int, seq: int) -> list[sqlite3.Row]:
    """The table's cells written after write number ``seq``, in write order."""
    return ws.db.execute(
        "SELECT column_id, row_id, status, value, seq FROM cells WHERE table_id = ? AND seq > ?"
        " ORDER BY seq",
        (table_id, seq),
    ).fetchall()


def run_credits(ws: Workspace, run_id: int) -> int:
    """A run's net charge as the ledger holds it (captures less refunds)."""
    return int(
        ws.db.execute(
            "SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE run_id = ?"
            " AND kind IN ('capture', 'refund')",
            (run_id,),
        ).fetchone()[0]
    )


# ---------------------------------------------------------------- runs and attempts


def live_holders(ws: Workspace, table_id: int, column_id: int) -> list[sqlite3.Row]:
    """The runs marked running on this column (alive or not: the caller asks the process)."""
    return ws.db.execute(
        "SELECT id, pid, started_at, host, lease_until FROM runs"
        " WHERE table_id = ? AND column_id = ? AND status = ?",
        (table_id, column_id, RunStatus.RUNNING),
    ).fetchall()


def insert_run(
    ws: Workspace,
    *,
    table_id: int,
    column_id: int,
    started_at: str,
    row_set: str,
    max_credits: int | None,
    pid: int,
    sandbox: bool,
    trigger: str,
    forced: bool,
    host: str | None = None,
    lease_until: str | None = None,
) -> int:
    """A new run, status running (inside the caller's transaction), started by the member this
    process acts as; its id."""
    cur = ws.db.execute(
        "INSERT INTO runs (table_id, column_id, started_at, status, row_set, max_credits,"
        " pid, rows, credits, sandbox, trigger, forced, member, host, lease_until)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        (
            table_id,
            column_id,
            started_at,
            RunStatus.RUNNING,
            row_set,
            max_credits,
            pid,
            0,
            0,
            int(sandbox),
            trigger,
            int(forced),
            ws.settings.user or None,
            host,
            lease_until,
        ),
    )
    return int(cur.fetchone()[0])


def renew_run_lease(ws: Workspace, run_id: int, lease_until: str) -> None:
    """The run is still being run here: its lease now ends at ``lease_until``."""
    with ws.transaction():
        ws.db.execute(
            "UPDATE runs SET lease_until = ? WHERE id = ? AND status = ?",
            (lease_until, run_id, RunStatus.RUNNING),
        )


def delete_run(ws: Workspace, run_id: int) -> None:
    with ws.transaction():
        ws.db.execute("DELETE FROM runs WHERE id = ?", (run_id,))


def start_run(ws: Workspace, run_id: int, *, rows: int, row_set: str) -> None:
    with ws.transaction():
        ws.db.execute("UPDATE runs SET rows = ?, row_set = ? WHERE id = ?", (rows, row_set, run_id))


def finish_run(
    ws: Workspace, run_id: int, *, status: RunStatus, at: str, counts: dict[str, int]
) -> None:
    """The run's record says what the ledger holds for it."""
    with ws.transaction():
        ws.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, credits = ?, counts = ? WHERE id = ?",
            (at, status, run_credits(ws, run_id), json.dumps(counts), run_id),
        )


def insert_attempt(
    ws: Workspace,
    *,
    key: str,
    table_id: int,
    column_id: int,
    row_id: int,
    run_id: int,
    step: int,
    provider: str,
    op: str,
    amount: int,
    at: str,
) -> int:
    """The attempt row of a paid call, committed with its hold before the call; its id."""
    cur = ws.db.execute(
        "INSERT INTO attempts (key, table_id, column_id, row_id, run_id, step, provider, op,"
        " amount, state, started_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        (
            key,
            table_id,
            column_id,
            row_id,
            run_id,
            step,
            provider,
            op,
            amount,
            AttemptState.STARTED,
            at,
        ),
    )
    return int(cur.fetchone()[0])


def settle_attempt(
    ws: Workspace, attempt_id: int | None, *, outcome: str | None, at: str, detail: str | None
) -> None:
    ws.db.execute(
        "UPDATE attempts SET state = ?, outcome = ?, finished_at = ?, detail = ? WHERE id = ?",
        (AttemptState.SETTLED, outcome, at, detail, attempt_id),
    )


def cell_status(ws: Workspace, table_id: int, column_id: int, row_id: int) -> str | None:
    row = ws.db.execute(
        "SELECT status FROM cells WHERE table_id = ? AND column_id = ? AND row_id = ?",
        (table_id, column_id, row_id),
    ).fetchone()
    return None if row is None else str(row["status"])
