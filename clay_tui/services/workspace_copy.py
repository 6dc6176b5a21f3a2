"""``clay-tui workspace copy SRC DST``: move a workspace's credits between back ends.

What moves: the ledger (same ids and idempotency keys), the plan state, its periods and
pending changes, and the members. The destination must have no ledger entries yet (it is
not given its own grant: it is made by migrations only). ``credits verify`` then runs on both
ends and the balances must agree. Tables, columns and results do not live on PostgreSQL yet,
so a source that has any is refused rather than copied without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from clay_tui.clock import Clock
from clay_tui.config import Settings
from clay_tui.credits.ledger import Ledger
from clay_tui.credits.schema import MIGRATIONS
from clay_tui.credits.verify import VerifyReport, verify
from clay_tui.errors import WorkspaceError
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import dialect_of, has_table, table_columns
from clay_tui.workspace.migrations import migrate

# in the order they are copied (the ledger's ref_id points at earlier ids only)
CREDIT_TABLES = ("ledger", "credit_plan_state", "credit_plan_changes", "credit_periods", "members")
# what a source must not hold: it would be lost on the way
NOT_YET = ("tables", "cells", "runs", "enrich_columns")


@dataclass
class CopyReport:
    rows: dict[str, int]
    available: int
    source: VerifyReport
    destination: VerifyReport

    @property
    def ok(self) -> bool:
        return self.source.ok and self.destination.ok


def _count(ws: Workspace, table: str) -> int:
    if not has_table(ws.db, table):
        return 0
    return int(ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def copy_workspace(src: Settings, dst: Settings, clock: Clock | None = None) -> CopyReport:
    with Workspace.open(src, clock) as a, Workspace.open(dst, clock) as b:
        for table in NOT_YET:
            if _count(a, table):
                raise WorkspaceError(
                    f"The source workspace has {table} ({_count(a, table)} rows), which cannot "
                    "be copied yet: only workspaces of credits alone move for now."
                )
        migrate(a, MIGRATIONS)
        migrate(b, MIGRATIONS)
        if _count(b, "ledger"):
            raise WorkspaceError(
                "The destination workspace already has ledger entries: copy into a new one."
            )
        rows: dict[str, int] = {}
        with b.transaction() as db:
            for table in CREDIT_TABLES:
                if table == "credit_plan_state":
                    db.execute("DELETE FROM credit_plan_state")  # none yet: no ledger was made
                cols = sorted(table_columns(a.db, table) & table_columns(b.db, table))
                names = ", ".join(f'"{c}"' for c in cols)
                order = " ORDER BY id" if "id" in cols else ""
                data = [tuple(r) for r in a.db.execute(f"SELECT {names} FROM {table}{order}")]
                if data:
                    marks = ", ".join("?" for _ in cols)
                    db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)
                rows[table] = len(data)
                if "id" in cols and dialect_of(db).name == "postgresql" and data:
                    # explicit ids do not move the identity sequence: move it past them
                    db.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT MAX(id) FROM {table}))"
                    )
        src_ledger, dst_ledger = Ledger(a), Ledger(b)
        src_report = verify(src_ledger, repair=False)
        dst_report = verify(dst_ledger, repair=False)
        before, after = src_ledger.balance(), dst_ledger.balance()
        if before != after:
            raise WorkspaceError(
                f"The copy's balance ({after.available}) differs from the source's "
                f"({before.available}): the copy is incomplete."
            )
        return CopyReport(rows, after.available, src_report, dst_report)
