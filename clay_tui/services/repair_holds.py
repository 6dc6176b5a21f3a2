"""Repair's ledger rules for reservations: write again the lost halves of a hold, settle or
capture that the surviving halves (and the cells' stored charges) pin down exactly."""

from __future__ import annotations

import sqlite3
from itertools import combinations

from clay_tui.states import RESULT


def marks(values: object) -> str:
    """SQL placeholders for ``values`` (states are bound, never spelled in SQL)."""
    return ",".join("?" * len(values))  # type: ignore[arg-type]


_CTX = "table_id, column_id, row_id, provider, run_id, action"
SETTLE, CAPTURE, PURCHASED = ":settle", ":capture", "/purchased"


def rebuild_holds(db: sqlite3.Connection, rewritten: list[str], at: str) -> None:
    """Write again the lost halves of a reservation that the other halves pin down exactly:
    a release returns what its hold took, so a lost hold is ``-release``; a capture settles
    its hold with a release of the hold; a hold settled "by capture" whose capture is lost
    was charged in full (the engine captures what it reserved)."""

    def put(
        row_id: int | None,
        kind: str,
        amount: int,
        bucket: str,
        part: int,
        ref_id: int | None,
        ctx: tuple,
        key: str,
        note: str,
    ) -> None:
        cur = db.execute(
            f"INSERT OR IGNORE INTO ledger (id, at, kind, amount, bucket, part, ref_id, {_CTX},"
            " key, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (row_id, at, kind, amount, bucket, part, ref_id, *ctx, key, note),
        )
        if cur.rowcount:
            rewritten.append(f"{kind} {key} {amount:+d}")

    def hold_key(row: sqlite3.Row) -> str | None:
        key = row["key"]
        if row["kind"] == "release" and key.endswith(SETTLE):
            return key[: -len(SETTLE)]
        if row["kind"] == "capture" and key.endswith(CAPTURE + PURCHASED):
            return key[: -len(CAPTURE + PURCHASED)] + PURCHASED
        if row["kind"] == "capture" and key.endswith(CAPTURE):
            return key[: -len(CAPTURE)]
        return None

    def settle(hold: sqlite3.Row) -> None:
        """The release that settles ``hold`` (a reserve entry) by capture."""
        put(
            None,
            "release",
            -hold["amount"],
            hold["bucket"],
            hold["part"],
            hold["id"],
            tuple(hold[c] for c in _CTX.split(", ")),
            hold["key"] + SETTLE,
            "hold settled by capture (rewritten by repair)",
        )

    def capture(hold: sqlite3.Row, note: str) -> None:
        """The capture of all ``hold`` (a reserve entry) took."""
        base = hold["key"]
        key = base[: -len(PURCHASED)] + CAPTURE + PURCHASED if hold["part"] else base + CAPTURE
        put(
            None,
            "capture",
            hold["amount"],
            hold["bucket"],
            hold["part"],
            hold["id"],
            tuple(hold[c] for c in _CTX.split(", ")),
            key,
            note,
        )

    db.row_factory = sqlite3.Row
    try:
        # 1. holds lost, their settlement kept
        orphans = db.execute(
            "SELECT * FROM ledger s WHERE s.kind IN ('release','capture') AND s.ref_id IS NOT"
            " NULL AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.id = s.ref_id)"
            " ORDER BY s.ref_id, s.kind DESC"
        ).fetchall()
        for row in orphans:
            key = hold_key(row)
            if (
                key is None
                or db.execute("SELECT 1 FROM ledger WHERE id = ?", (row["ref_id"],)).fetchone()
            ):
                continue
            held = row["amount"] if row["kind"] == "release" else -row["amount"]
            ctx = tuple(row[c] for c in _CTX.split(", "))
            put(
                row["ref_id"],
                "reserve",
                -held,
                row["bucket"],
                row["part"],
                None if row["part"] == 0 else None,
                ctx,
                key,
                "hold rewritten by repair",
            )
        # 2. a capture kept, its settling release lost
        for row in db.execute(
            "SELECT r.* FROM ledger r JOIN ledger c ON c.ref_id = r.id AND c.kind ="
            " 'capture' WHERE r.kind = 'reserve' AND NOT EXISTS (SELECT 1 FROM ledger s"
            " WHERE s.key = r.key || ':settle')"
        ).fetchall():
            settle(row)
        # 3. a hold settled by capture whose capture is lost: charged in full
        for row in db.execute(
            "SELECT r.* FROM ledger r JOIN ledger s ON s.key = r.key || ':settle'"
            " WHERE r.kind = 'reserve' AND s.note LIKE 'hold settled by capture%'"
            " AND NOT EXISTS (SELECT 1 FROM ledger c WHERE c.ref_id = r.id"
            " AND c.kind = 'capture')"
        ).fetchall():
            if row["amount"] != 0:
                capture(row, "capture rewritten by repair (the hold was settled by a capture)")
        # 4. a cell stores its charge and holds of its run are open: the captures and
        # releases were lost (they commit together); settle as captures the holds whose sum
        # is the charge still missing, as the engine did (the others go back, by verify)
        for cell in db.execute(
            "SELECT c.table_id, c.column_id, c.row_id, c.run_id, c.credits - COALESCE("
            "(SELECT -SUM(l.amount) FROM ledger l WHERE l.kind IN ('capture','refund') AND"
            " l.table_id = c.table_id AND l.column_id = c.column_id AND"
            " l.row_id = c.row_id AND l.run_id IS c.run_id), 0) AS missing FROM cells c"
            f" WHERE c.credits > 0 AND c.status IN ({marks(RESULT)})",
            tuple(RESULT),
        ).fetchall():
            if cell["missing"] <= 0:
                continue
            holds = db.execute(
                "SELECT r.* FROM ledger r WHERE r.kind = 'reserve' AND r.part = 0 AND"
                " r.table_id = ? AND r.column_id = ? AND r.row_id = ? AND r.run_id IS ? AND"
                " NOT EXISTS (SELECT 1 FROM ledger s WHERE s.key = r.key || ':settle')"
                " ORDER BY r.id",
                tuple(cell)[:4],
            ).fetchall()
            chosen = _subset(holds, cell["missing"], db)
            for hold in chosen:
                parts = db.execute(
                    "SELECT * FROM ledger WHERE kind = 'reserve' AND key IN (?, ?) ORDER BY part",
                    (hold["key"], hold["key"] + PURCHASED),
                ).fetchall()
                for row in parts:
                    settle(row)
                    capture(row, "capture rewritten by repair (its cell stores the charge)")
    finally:
        db.row_factory = None


def _subset(holds: list[sqlite3.Row], amount: int, db: sqlite3.Connection) -> list:
    """The first few open holds (by id) whose whole amounts (all parts) add up to ``amount``."""

    def held(hold: sqlite3.Row) -> int:
        return -db.execute(
            "SELECT SUM(amount) FROM ledger WHERE kind = 'reserve' AND key IN (?, ?)",
            (hold["key"], hold["key"] + PURCHASED),
        ).fetchone()[0]

    sizes = [(h, held(h)) for h in holds[:12]]
    for n in range(1, len(sizes) + 1):
        for combo in combinations(sizes, n):
            if sum(size for _, size in combo) == amount:
                return [h for h, _ in combo]
    return []
