"""``clay-tui workspace copy SRC DST``: move a whole workspace between back ends.

What moves: the ledger (same ids and idempotency keys), the plan state, its periods and
pending changes, and the members; the tables (registry, edit journal, each table's snapshot
and the side frames its journal names), the enrichment columns, runs, attempts and cells,
the auto-update spend and the AI drafts. Ids are kept, so every reference stays true. The
destination must be new (no ledger entries, no tables: it is not given its own grant).

Then it is checked: ``credits verify`` on both ends, the balances must agree, and each table
is opened on both ends (snapshot, journal replayed, stored results applied) and compared
row by row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from clay_tui.clock import Clock
from clay_tui.config import Settings
from clay_tui.credits.ledger import Ledger
from clay_tui.credits.schema import MIGRATIONS
from clay_tui.credits.verify import VerifyReport, verify
from clay_tui.enrich import auto_update
from clay_tui.enrich import store as enrich_store
from clay_tui.errors import WorkspaceError
from clay_tui.services import drafting, tables
from clay_tui.table import registry
from clay_tui.table.frame_store import FrameStore, frame_store, side_name
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import POSTGRESQL, dialect_of, has_table, table_columns
from clay_tui.workspace.migrations import migrate

# in the order they are copied (the ledger's ref_id points at earlier ids only)
CREDIT_TABLES = ("ledger", "credit_plan_state", "credit_plan_changes", "credit_periods", "members")
TABLE_TABLES = (
    "tables",
    "table_journal",
    "enrich_columns",
    "runs",
    "attempts",
    "cells",
    "auto_update_spend",
    "ai_drafts",
)
# the order rows are read in, so a copy is the same list on both ends
ORDER = {"table_journal": "table_id, seq", "cells": "table_id, column_id, row_id"}
ORDER_BY_KEY = {"auto_update_spend": "run_id", "ai_drafts": "key"}


@dataclass
class CopyReport:
    rows: dict[str, int]
    available: int
    source: VerifyReport
    destination: VerifyReport
    tables_compared: int = 0

    @property
    def ok(self) -> bool:
        return self.source.ok and self.destination.ok


def _count(ws: Workspace, table: str) -> int:
    if not has_table(ws.db, table):
        return 0
    return int(ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _ensure_schemas(a: Workspace, b: Workspace) -> None:
    """On ``b``, the tables of every subsystem ``a`` uses, at their latest version (``a`` is
    left as it is: a subsystem it never used has nothing to copy)."""
    if has_table(a.db, "tables"):
        registry.ensure(b)
    if any(has_table(a.db, t) for t in ("enrich_columns", "runs", "attempts", "cells")):
        enrich_store.ensure(b)
    if has_table(a.db, "auto_update_spend"):
        b.ensure_schema(auto_update.SCHEMA_NAME, auto_update.SCHEMA)
    if has_table(a.db, "ai_drafts"):
        b.ensure_schema("ai_drafts", drafting.SCHEMA)


def _copy_rows(a: Workspace, db, table: str) -> int:
    """Copy ``table``'s rows (the columns both ends have) from ``a`` into ``db``."""
    cols = sorted(table_columns(a.db, table) & table_columns(db, table))
    names = ", ".join(f'"{c}"' for c in cols)
    order = ORDER.get(table) or ORDER_BY_KEY.get(table) or ("id" if "id" in cols else "")
    order_sql = f" ORDER BY {order}" if order else ""
    data = [tuple(r) for r in a.db.execute(f"SELECT {names} FROM {table}{order_sql}")]
    if data:
        marks = ", ".join("?" for _ in cols)
        db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)
    if "id" in cols and dialect_of(db) is POSTGRESQL and data:
        # explicit ids do not move the identity sequence: move it past them
        db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )
    return len(data)


def _side_files(ws: Workspace, table_id: int) -> set[str]:
    """The side frames the table's journal names (a deleted column's values, for undo)."""
    rows = ws.db.execute(
        "SELECT payload FROM table_journal WHERE table_id = ? AND payload LIKE '%\"side\"%'",
        (table_id,),
    )
    sides: set[str] = set()
    for (payload,) in rows:
        p = json.loads(payload)
        side = p.get("side") or p.get("payload", {}).get("side")
        if side:
            sides.add(side)
    return sides


def _copy_frames(a: Workspace, b: Workspace, table_ids: list[int]) -> int:
    """Each table's snapshot (with the journal seq it includes) and its side frames."""
    src: FrameStore = frame_store(a)
    dst: FrameStore = frame_store(b)
    copied = 0
    for table_id in table_ids:
        tables.get_table(a, table_id).wait_for_snapshot()  # rebuilt first if it never landed
        frame, seq = src.read(str(table_id))
        dst.write(str(table_id), frame, seq)
        copied += 1
        for side in sorted(_side_files(a, table_id)):
            try:
                side_frame, side_seq = src.read(side_name(side))
            except FileNotFoundError:
                continue  # gone already: its undo could not replay on the source either
            dst.write(side_name(side), side_frame, side_seq)
            copied += 1
    return copied


def _compare_tables(a: Workspace, b: Workspace, table_ids: list[int]) -> None:
    for table_id in table_ids:
        ta, tb = tables.get_table(a, table_id), tables.get_table(b, table_id)
        if ta.name != tb.name or not ta.frame.equals(tb.frame):
            raise WorkspaceError(
                f"The copy of table {ta.name} differs from the source's: the copy is incomplete."
            )


def copy_workspace(src: Settings, dst: Settings, clock: Clock | None = None) -> CopyReport:
    with Workspace.open(src, clock) as a, Workspace.open(dst, clock) as b:
        migrate(a, MIGRATIONS)
        migrate(b, MIGRATIONS)
        _ensure_schemas(a, b)
        if _count(b, "ledger"):
            raise WorkspaceError(
                "The destination workspace already has ledger entries: copy into a new one."
            )
        if _count(b, "tables"):
            raise WorkspaceError(
                "The destination workspace already has tables: copy into a new one."
            )
        has_tables = has_table(a.db, "tables")
        table_ids = [int(r["id"]) for r in registry.all_tables(a)] if has_tables else []
        # the source's renewals due are applied first and copied, not made again on the
        # destination (with another timestamp) when its ledger first opens
        src_ledger = Ledger(a)
        rows: dict[str, int] = {}
        with b.transaction() as db:
            for table in CREDIT_TABLES:
                if table == "credit_plan_state":
                    db.execute("DELETE FROM credit_plan_state")  # none yet: no ledger was made
                rows[table] = _copy_rows(a, db, table)
            for table in TABLE_TABLES:
                if has_table(a.db, table):
                    rows[table] = _copy_rows(a, db, table)
            if table_ids:
                rows["table frames"] = _copy_frames(a, b, table_ids)
        dst_ledger = Ledger(b)
        src_report = verify(src_ledger, repair=False)
        dst_report = verify(dst_ledger, repair=False)
        before, after = src_ledger.balance(), dst_ledger.balance()
        if before != after:
            raise WorkspaceError(
                f"The copy's balance ({after.available}) differs from the source's "
                f"({before.available}): the copy is incomplete."
            )
        _compare_tables(a, b, table_ids)
        return CopyReport(rows, after.available, src_report, dst_report, len(table_ids))
