"""Rebuild a damaged ``workspace.db``: keep the damaged file beside it, salvage every row
SQLite can still read into a freshly made schema, re-register tables whose Parquet snapshot
outlived their registry row, and never invent credits.

Salvage uses SQLite's own ``.recover`` (the ``sqlite3`` program) when it is installed, else
reads every table in rowid ranges, halving a range that fails down to single rows, so one
bad page costs only the rows on it. The credit rules:

- recovered ledger entries are copied as they were (same ids and idempotency keys);
- a lost grant or purchase is not given again, and the plan state is rebuilt without a grant
  (a ``repair:`` marker entry tells the plan this is not a new workspace);
- a lost debit that other tables still record is written again, so the balance never goes
  up: a forfeit or expiry from ``credit_periods`` (same key), a cell's charge from ``cells``
  (an adjustment per cell, at most what its bucket holds).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clay_tui.errors import WorkspaceError
from clay_tui.services.repair_holds import marks, rebuild_holds
from clay_tui.services.salvage import salvage
from clay_tui.states import RESULT
from clay_tui.workspace.migrations import sqlite_head_script
from clay_tui.workspace.workspace import DB_NAME, RESTORE, _refuse_damaged

REPAIR_KEY = "repair:"  # ledger keys of repair entries start with this


def sqlite3_cli() -> str | None:
    """The ``sqlite3`` program, if installed (its ``.recover`` reads past bad pages)."""
    return shutil.which("sqlite3")


@dataclass
class RepairReport:
    damaged_path: Path | None  # None: there was no workspace.db to keep
    method: str  # "sqlite3 .recover" | "row ranges" | "none (empty file)"
    tables: dict[str, int] = field(default_factory=dict)  # app table -> rows recovered
    registered: list[str] = field(default_factory=list)  # tables re-registered from Parquet
    ledger_recovered: int = 0
    ledger_lost: int = 0  # ids missing between the first and the last one seen
    ledger_rewritten: list[str] = field(default_factory=list)  # lost debits written again
    unplaced: int = 0  # row fragments .recover could not place in a table
    notes: list[str] = field(default_factory=list)


def needs_repair(root: Path) -> str | None:
    """Why ``root``'s workspace.db needs a repair, or None if it is healthy or absent
    (absent with no tables: a new workspace, nothing to repair)."""
    try:
        _refuse_damaged(root)
    except WorkspaceError as exc:
        return str(exc).replace(f": {RESTORE}.", ".")
    path = root / DB_NAME
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check(5)").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return f"{path} cannot be read ({exc})."
    problems = [
        line.strip()
        for r in result
        if r[0] != "ok"
        for line in str(r[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    return f"{path} is damaged ({problems[0]})." if problems else None


def app_schemas() -> list[tuple[str, str]]:
    """Every subsystem's schema script, as its ``ensure_schema`` name and SQL."""
    from clay_tui.credits import schema as credits_schema
    from clay_tui.enrich import auto_update, store
    from clay_tui.services import drafting
    from clay_tui.table import registry

    return [
        ("tables", registry.SCHEMA),
        (store.SCHEMA_NAME, store.SCHEMA + store.LIVE_NAMES + ";\n"),
        # at its latest migration (member, host, lease, members), recorded as applied
        (credits_schema.SCHEMA_NAME, sqlite_head_script(credits_schema.MIGRATIONS)),
        (auto_update.SCHEMA_NAME, auto_update.SCHEMA),
        ("ai_drafts", drafting.SCHEMA),  # the drafts that AI-written conditions were paid for
    ]


def repair(
    root: Path,
    *,
    now: datetime | None = None,
    plan: object | None = None,
    cli: Callable[[], str | None] | None = None,
) -> RepairReport:
    """Move the damaged database aside and build a new one from what can be read.

    ``plan`` is the configured plan (settings.plan), used only if the plan state was lost.
    Raises WorkspaceError if there is nothing to repair.
    """
    now = now or datetime.now(UTC)
    path = root / DB_NAME
    if needs_repair(root) is None:
        raise WorkspaceError(f"{DB_NAME} is healthy; nothing to repair.")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    aside = root / f"{DB_NAME}.damaged-{stamp}"
    n = 1
    while aside.exists():
        n += 1
        aside = root / f"{DB_NAME}.damaged-{stamp}-{n}"
    with tempfile.TemporaryDirectory(prefix="clay-repair-") as tmp:
        scratch = Path(tmp) / "salvage.db"
        method = "nothing to read: there was no workspace.db"
        if path.exists():
            # salvage reads a copy (with its WAL), so nothing ever writes to the damaged file
            copy = Path(tmp) / "damaged.db"
            shutil.copyfile(path, copy)
            if Path(str(path) + "-wal").exists():
                shutil.copyfile(Path(str(path) + "-wal"), Path(str(copy) + "-wal"))
            method = salvage(copy, scratch, cli or sqlite3_cli)
        report = RepairReport(aside if path.exists() else None, method)
        tmp_new = root / f".{DB_NAME}.repair-{stamp}.tmp"
        tmp_new.unlink(missing_ok=True)
        db = sqlite3.connect(tmp_new, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=OFF")  # a settlement may point at a lost hold
            for _name, script in app_schemas():
                db.executescript(script)
            if scratch.exists():
                db.execute("ATTACH DATABASE ? AS salvage", (str(scratch),))
            db.execute("BEGIN")
            if scratch.exists():
                _copy_rows(db, report)
            _reregister(db, root, report, now)
            _fix_ledger(db, report, now, plan)
            db.execute("COMMIT")
            if scratch.exists():
                db.execute("DETACH DATABASE salvage")
            db.execute("PRAGMA journal_mode=WAL")
        except BaseException:
            db.close()
            tmp_new.unlink(missing_ok=True)
            raise
        db.close()
        # only now, with the new database complete: the damaged one and its WAL move aside
        # together (SQLite finds "<name>-wal" by name), the new one takes its place
        for suffix in ("", "-wal", "-shm"):
            src = root / (DB_NAME + suffix)
            if src.exists():
                os.replace(src, Path(str(aside) + suffix))
        os.replace(tmp_new, path)
    return report


# ------------------------------------------------------------ rebuild


def _copy_rows(db: sqlite3.Connection, report: RepairReport) -> None:
    have = {r[0] for r in db.execute("SELECT name FROM salvage.sqlite_master WHERE type = 'table'")}
    if "lost_and_found" in have:
        report.unplaced = db.execute("SELECT COUNT(*) FROM salvage.lost_and_found").fetchone()[0]
    app = [
        r[0]
        for r in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    for name in app:
        count = 0
        if name in have:
            mine = [r[1] for r in db.execute(f'PRAGMA main.table_info("{name}")')]
            theirs = {r[1] for r in db.execute(f'PRAGMA salvage.table_info("{name}")')}
            cols = ",".join(f'"{c}"' for c in mine if c in theirs)
            if cols:
                before = db.total_changes
                # rows that break a NOT NULL/CHECK (garbage from a bad page) stay out
                db.execute(
                    f'INSERT OR IGNORE INTO main."{name}" ({cols}) '
                    f'SELECT {cols} FROM salvage."{name}"'
                )
                count = db.total_changes - before
        report.tables[name] = count


def _reregister(db: sqlite3.Connection, root: Path, report: RepairReport, now: datetime) -> None:
    """A registry row for every ``tables/<id>.parquet`` whose row was lost."""
    import polars as pl

    from clay_tui.table.lead_table import ROW_ID, SEQ_KEY

    folder = root / "tables"
    if not folder.is_dir():
        return
    known = {r[0] for r in db.execute("SELECT id FROM tables")}
    for snap in sorted(folder.glob("*.parquet"), key=lambda p: p.name):
        if not snap.stem.isdigit() or int(snap.stem) in known:
            continue
        table_id = int(snap.stem)
        try:
            meta = pl.read_parquet_metadata(snap)
            rows = pl.scan_parquet(snap, glob=False)
            names = rows.collect_schema().names()
            top = rows.select(pl.col(ROW_ID).max()).collect().item() if ROW_ID in names else None
        except Exception as exc:  # noqa: BLE001 - a damaged snapshot: say so, go on
            report.notes.append(f"tables/{snap.name} cannot be read ({exc}); left as it is.")
            continue
        name = meta.get("clay_tui.name") or f"recovered-{table_id}"
        while db.execute("SELECT 1 FROM tables WHERE name = ?", (name,)).fetchone():
            name = f"{name}-{table_id}"
        db.execute(
            "INSERT INTO tables (id, name, source_path, sheet, created_at, next_row_id,"
            " auto_update, snapshot_seq) VALUES (?,?,?,?,?,?,0,?)",
            (
                table_id,
                name,
                None,
                None,
                now.isoformat(),
                int(top or 0) + 1,
                int(meta.get(SEQ_KEY, "0") or 0),
            ),
        )
        report.registered.append(name)
    report.tables["tables"] = report.tables.get("tables", 0) + len(report.registered)


def _fix_ledger(
    db: sqlite3.Connection, report: RepairReport, now: datetime, plan: object | None
) -> None:
    ids = [r[0] for r in db.execute("SELECT id FROM ledger ORDER BY id")]
    referenced = db.execute("SELECT MAX(ref_id) FROM ledger").fetchone()[0] or 0
    report.ledger_recovered = len(ids)
    top = max([*ids, referenced]) if ids else 0
    report.ledger_lost = top - len(ids)
    at = now.isoformat()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")

    def insert(
        kind: str,
        amount: int,
        bucket: str,
        key: str,
        note: str,
        ctx: tuple = (None, None, None, None),
    ) -> None:
        db.execute(
            "INSERT OR IGNORE INTO ledger (at, kind, amount, bucket, table_id, column_id,"
            " row_id, run_id, key, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (at, kind, amount, bucket, *ctx, key, note),
        )

    def free(bucket: str) -> int:
        return db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE bucket = ?", (bucket,)
        ).fetchone()[0]

    rebuild_holds(db, report.ledger_rewritten, at)
    # lost forfeits and expiries: credit_periods says what each renewal took
    for start, forfeited, expired in db.execute(
        "SELECT start, forfeited, expired FROM credit_periods ORDER BY start"
    ).fetchall():
        for kind, amount in (("forfeit", forfeited), ("expire", expired)):
            key = f"{kind}:{start}"
            if amount and not db.execute("SELECT 1 FROM ledger WHERE key = ?", (key,)).fetchone():
                take = min(amount, max(0, free("plan")))
                if take:
                    insert(kind, -take, "plan", key, f"{kind} of {start}, rewritten by repair")
                    report.ledger_rewritten.append(f"{key} -{take}")
    # lost charges: a cell keeps what it was charged; the ledger must not hold less
    rows = db.execute(
        "SELECT c.table_id, c.column_id, c.row_id, c.run_id, c.credits,"
        " COALESCE((SELECT -SUM(l.amount) FROM ledger l WHERE l.kind IN ('capture','refund')"
        "  AND l.table_id = c.table_id AND l.column_id = c.column_id AND l.row_id = c.row_id"
        "  AND l.run_id IS c.run_id),"
        "  0) AS charged"
        f" FROM cells c WHERE c.credits > 0 AND c.status IN ({marks(RESULT)})",
        tuple(RESULT),
    ).fetchall()
    for table_id, column_id, row_id, run_id, credits, charged in rows:
        missing = credits - max(0, charged)
        for bucket in ("plan", "purchased"):
            take = min(missing, max(0, free(bucket)))
            if take <= 0:
                continue
            key = f"{REPAIR_KEY}{stamp}:cell:{table_id}:{column_id}:{row_id}:{bucket}"
            insert(
                "adjustment",
                -take,
                bucket,
                key,
                "charge of a stored result whose ledger entry was lost",
                (table_id, column_id, row_id, run_id),
            )
            report.ledger_rewritten.append(f"cell {table_id}/{column_id}/{row_id} -{take}")
            missing -= take
    # the plan state: rebuilt without a grant if it was lost
    if (
        plan is not None
        and db.execute("SELECT 1 FROM credit_plan_state WHERE id = 1").fetchone() is None
    ):
        from clay_tui.credits.periods import period_index_at, period_start

        anchor = plan.cycle_start  # type: ignore[attr-defined]
        billing = plan.billing  # type: ignore[attr-defined]
        index = period_index_at(anchor, billing, now)
        start, nxt = period_start(anchor, billing, index), period_start(anchor, billing, index + 1)
        db.execute(
            "INSERT INTO credit_plan_state (id, name, monthly, billing, anchor, period_start,"
            " next_renewal, created_at) VALUES (1,?,?,?,?,?,?,?)",
            (
                plan.name,
                plan.monthly_credits,
                billing,
                anchor.isoformat(),  # type: ignore[attr-defined]
                start.isoformat(),
                nxt.isoformat(),
                at,
            ),
        )
        db.execute(
            "INSERT OR IGNORE INTO credit_periods (start, end, name, monthly, billing, granted,"
            " forfeited, expired, applied_at) VALUES (?,?,?,?,?,0,0,0,?)",
            (
                start.isoformat(),
                nxt.isoformat(),
                plan.name,  # type: ignore[attr-defined]
                plan.monthly_credits,
                billing,
                at,
            ),
        )  # type: ignore[attr-defined]
        report.notes.append(
            "The plan state was lost: rebuilt from config.toml with no grant "
            "for this period (a repaired workspace is not a new one)."
        )
    # the marker: this workspace is repaired, not new (no trial, no first grant again)
    insert(
        "adjustment",
        0,
        "plan",
        f"{REPAIR_KEY}{stamp}",
        f"workspace repaired: {report.ledger_recovered} entries recovered, "
        f"{report.ledger_lost} lost, {len(report.ledger_rewritten)} debits rewritten",
    )
