"""Reconciliation: check the ledger's invariants and release holds left by dead processes.

Checks: the balance equals the sum of entries (also against the cached running totals);
no bucket is or ever was negative; entries are well formed (signs, settlements point at holds, a
capture never exceeds its hold, a refund equals its capture); every hold is settled or
belongs to a live run/process; every charge has its stored result in the engine's
``cells`` (when that table exists) and every charged cell has its charge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clay_tui.credits.ledger import Ledger, balance_from_sums
from clay_tui.credits.reports import has_table, table_columns
from clay_tui.credits.types import Reservation
from clay_tui.processes import pid_alive


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "actions": self.actions, "checks": [c.__dict__ for c in self.checks]}




def verify(
    ledger: Ledger, *, repair: bool = True, alive: Callable[[int | None], bool] = pid_alive
) -> VerifyReport:
    report = VerifyReport()
    db = ledger.db
    if repair:
        _release_stale(ledger, alive, report)

    fresh = {
        (r[0], r[1]): r[2]
        for r in db.execute("SELECT bucket, kind, SUM(amount) FROM ledger GROUP BY bucket, kind")
    }
    total = db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger").fetchone()[0]
    bal = balance_from_sums(fresh)
    cached = ledger.balance()
    ok = bal.available == total and cached == bal
    report.checks.append(
        Check(
            "balance equals the sum of entries",
            ok,
            f"available {bal.available} = sum {total}"
            if ok
            else f"sum of entries {total}, computed {bal}, running totals {cached}",
        )
    )

    free_plan = bal.plan - bal.reserved_plan
    free_purch = bal.purchased - bal.reserved_purchased
    lowest = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT bucket, MIN(running) FROM (SELECT bucket, SUM(amount) OVER"
            " (PARTITION BY bucket ORDER BY id) AS running FROM ledger) GROUP BY bucket"
        )
    }
    ok = (
        min(free_plan, free_purch, bal.reserved_plan, bal.reserved_purchased, 0, *lowest.values())
        == 0
    )
    report.checks.append(
        Check(
            "no bucket is or ever was negative",
            ok,
            f"plan {bal.plan} (free {free_plan}), purchased {bal.purchased} (free {free_purch}),"
            f" reserved {bal.reserved}; lowest ever: "
            + ", ".join(f"{k} {v}" for k, v in sorted(lowest.items())),
        )
    )

    bad = _malformed(ledger)
    report.checks.append(
        Check(
            "entries are well formed",
            not bad,
            "all entries well formed" if not bad else "; ".join(bad[:5]),
        )
    )

    open_holds = _open_holds(ledger)
    stale = [h for h in open_holds if not _is_live(ledger, h, alive)]
    report.checks.append(
        Check(
            "every reservation is captured, released or held by a live run",
            not stale,
            f"{len(open_holds)} open, all held by live runs"
            if not stale
            else f"{len(stale)} open reservation(s) of dead processes: "
            + ", ".join(h["key"] for h in stale[:5]),
        )
    )

    report.checks.append(_results_check(ledger))
    return report


def _open_holds(ledger: Ledger) -> list:
    return ledger.db.execute(
        "SELECT r.* FROM ledger r WHERE r.kind = 'reserve' AND r.part = 0 AND NOT EXISTS"
        " (SELECT 1 FROM ledger s WHERE s.key = r.key || ':settle') ORDER BY r.id"
    ).fetchall()


def _is_live(ledger: Ledger, hold, alive: Callable[[int | None], bool]) -> bool:
    db = ledger.db
    if (
        hold["run_id"] is not None
        and has_table(db, "runs")
        and {"id", "status", "pid"} <= table_columns(db, "runs")
    ):
        run = db.execute("SELECT status, pid FROM runs WHERE id = ?", (hold["run_id"],)).fetchone()
        if run is not None:
            return run["status"] == "running" and alive(run["pid"])
    return alive(hold["pid"])


def _release_stale(
    ledger: Ledger, alive: Callable[[int | None], bool], report: VerifyReport
) -> None:
    from clay_tui.credits.ledger import context_of

    stale = [h for h in _open_holds(ledger) if not _is_live(ledger, h, alive)]
    if not stale:
        return
    with ledger.ws.transaction():
        for h in stale:
            res = ledger.find_reservation(h["key"])
            assert res is not None
            ledger.release(
                Reservation(res.id, res.key, res.amount, context_of(h)),
                reason="released by verify: its process or run is gone",
            )
    amount = sum(ledger.find_reservation(h["key"]).amount for h in stale)  # type: ignore[union-attr]
    report.actions.append(
        f"Released {len(stale)} reservation(s) left by a crashed process "
        f"({amount} credits back to available)."
    )


def _malformed(ledger: Ledger) -> list[str]:
    db = ledger.db
    bad: list[str] = []
    for r in db.execute(
        "SELECT id, kind, amount FROM ledger WHERE"
        " (kind IN ('grant','purchase','refund','release') AND amount < 0) OR"
        " (kind IN ('forfeit','expire','reserve','capture') AND amount > 0)"
    ):
        bad.append(f"entry {r['id']} ({r['kind']}) has the wrong sign")
    for r in db.execute(
        "SELECT s.id, s.kind FROM ledger s LEFT JOIN ledger r ON r.id = s.ref_id"
        " WHERE s.kind IN ('capture', 'release') AND (r.id IS NULL OR r.kind != 'reserve')"
    ):
        bad.append(f"{r['kind']} {r['id']} does not settle a reservation")
    for r in db.execute(
        "SELECT s.id FROM ledger s JOIN ledger r ON r.id = s.ref_id"
        " WHERE s.kind = 'release' AND s.amount != -r.amount"
    ):
        bad.append(f"release {r['id']} does not return exactly its hold")
    for r in db.execute(
        "SELECT c.id FROM ledger c JOIN ledger r ON r.id = c.ref_id"
        " WHERE c.kind = 'capture' AND c.amount < r.amount"
    ):
        bad.append(f"capture {r['id']} charges more than its reservation held")
    for r in db.execute(
        "SELECT c.id FROM ledger c JOIN ledger r ON r.id = c.ref_id WHERE c.kind = 'capture'"
        " AND NOT EXISTS (SELECT 1 FROM ledger s WHERE s.key = r.key || ':settle')"
    ):
        bad.append(f"capture {r['id']} left its hold open")
    for r in db.execute(
        "SELECT f.id FROM ledger f LEFT JOIN ledger c ON c.id = f.ref_id WHERE f.kind = 'refund'"
        " AND (c.id IS NULL OR c.kind != 'capture' OR f.amount != -c.amount)"
    ):
        bad.append(f"refund {r['id']} does not match its capture")
    return bad


def _results_check(ledger: Ledger) -> Check:
    db = ledger.db
    name = "every charge has its stored result"
    if not has_table(db, "cells") or not {"table_id", "column_id", "row_id"} <= table_columns(
        db, "cells"
    ):
        return Check(name, True, "no cells table in this workspace yet; nothing to match")
    # A removed enrichment column's results are gone on purpose; its charges stay as
    # settled history, so they need no stored result.
    removed = ""
    if has_table(db, "enrich_columns") and "removed_at" in table_columns(db, "enrich_columns"):
        removed = (
            " AND NOT EXISTS (SELECT 1 FROM enrich_columns e WHERE e.id = c.column_id"
            " AND e.removed_at IS NOT NULL)"
        )
    missing = db.execute(
        "SELECT c.key FROM ledger c WHERE c.kind = 'capture' AND c.part = 0 AND c.amount < 0"
        " AND c.table_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cells x WHERE"
        " x.table_id = c.table_id AND x.column_id = c.column_id AND x.row_id = c.row_id)"
        + removed
    ).fetchall()
    uncharged: list = []
    if "credits" in table_columns(db, "cells"):
        uncharged = db.execute(
            "SELECT x.table_id, x.column_id, x.row_id FROM cells x"
            " WHERE x.credits > 0 AND NOT EXISTS"
            " (SELECT 1 FROM ledger c WHERE c.kind = 'capture' AND c.table_id = x.table_id AND"
            " c.column_id = x.column_id AND c.row_id = x.row_id AND c.amount < 0)"
        ).fetchall()
    if not missing and not uncharged:
        return Check(
            name, True, "every charge has its cell result and every charged cell its charge"
        )
    parts = []
    if missing:
        parts.append(f"{len(missing)} charge(s) without a stored result (e.g. {missing[0][0]})")
    if uncharged:
        t, c, r = uncharged[0]
        parts.append(
            f"{len(uncharged)} charged cell(s) without a capture (e.g. table {t}"
            f" column {c} row {r})"
        )
    return Check(name, False, "; ".join(parts))
