"""Reconciliation: check the ledger's invariants and release holds left by dead processes.

Checks: the balance equals the sum of entries (also against the cached running totals);
no bucket is or ever was negative; entries are well formed (signs, settlements point at holds, a
capture never exceeds its hold, a refund equals its capture); every hold is settled or
belongs to a live run/process; every charge has its stored result in the engine's
``cells`` (when that table exists) and every charged cell has its charge.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from clay_tui.credits.ledger import Ledger, balance_from_sums
from clay_tui.credits.reports import has_table, table_columns
from clay_tui.credits.types import Reservation
from clay_tui.processes import pid_alive, this_host
from clay_tui.states import RESULT, RunStatus
from clay_tui.workspace.backend import dialect_of


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)  # one line each, the first few


PROBLEMS_SHOWN = 20
# a cell's or a run's net charge: captures less refunds (reserve/release cancel out)
# A cell's charge is its captures less refunds; when repair finds a stored result whose whole
# ledger group (hold, capture, settle) was on a lost page, it writes the charge back as an
# adjustment carrying the cell's context, which then stands for the lost capture.
_CELL_ADJUSTMENT = "(kind = 'adjustment' AND row_id IS NOT NULL)"
_NET = f"(kind IN ('capture', 'refund') OR {_CELL_ADJUSTMENT})"
_CHARGE = f"(kind = 'capture' OR {_CELL_ADJUSTMENT})"


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
            " (PARTITION BY bucket ORDER BY id) AS running FROM ledger) AS runs GROUP BY bucket"
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
    report.checks.extend(_cell_checks(ledger, alive))
    return report


def _open_holds(ledger: Ledger) -> list:
    return ledger.db.execute(
        "SELECT r.* FROM ledger r WHERE r.kind = 'reserve' AND r.part = 0 AND NOT EXISTS"
        " (SELECT 1 FROM ledger s WHERE s.key = r.key || ':settle') ORDER BY r.id"
    ).fetchall()


def _is_live(ledger: Ledger, hold, alive: Callable[[int | None], bool]) -> bool:
    db = ledger.db
    host = hold["host"] if "host" in hold.keys() else None
    if host and host != this_host():  # another machine's: its lease says, not a pid here
        return bool(hold["lease_until"]) and hold["lease_until"] > ledger.now()
    if (
        hold["run_id"] is not None
        and has_table(db, "runs")
        and {"id", "status", "pid"} <= table_columns(db, "runs")
    ):
        run = db.execute("SELECT status, pid FROM runs WHERE id = ?", (hold["run_id"],)).fetchone()
        if run is not None:
            return run["status"] == RunStatus.RUNNING and alive(run["pid"])
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


# A "write it with AI" charge (services.drafting): its stored result is a row of ai_drafts.
_DRAFT = "c.column_id IS NULL AND c.action LIKE 'draft%'"


def _drafts_missing(db: sqlite3.Connection) -> list:
    found = (
        " AND NOT EXISTS (SELECT 1 FROM ai_drafts d WHERE d.charge_key = c.key)"
        if has_table(db, "ai_drafts")
        else ""
    )
    return db.execute(
        "SELECT c.key FROM ledger c WHERE c.kind = 'capture' AND c.part = 0 AND c.amount < 0"
        f" AND {_DRAFT}{found}"
    ).fetchall()


def _results_check(ledger: Ledger) -> Check:
    db = ledger.db
    name = "every charge has its stored result"
    if not has_table(db, "cells") or not {"table_id", "column_id", "row_id"} <= table_columns(
        db, "cells"
    ):
        missing = _drafts_missing(db)
        return Check(
            name,
            not missing,
            "no cells table in this workspace yet; nothing to match"
            if not missing
            else f"{len(missing)} charge(s) without a stored result (e.g. {missing[0][0]})",
        )
    # A removed enrichment column's results are gone on purpose; its charges stay as
    # settled history, so they need no stored result.
    removed = ""
    if has_table(db, "enrich_columns") and "removed_at" in table_columns(db, "enrich_columns"):
        removed = (
            " AND NOT EXISTS (SELECT 1 FROM enrich_columns e WHERE e.id = c.column_id"
            " AND e.removed_at IS NOT NULL)"
        )
    missing = (
        _drafts_missing(db)
        + db.execute(
            "SELECT c.key FROM ledger c WHERE c.kind = 'capture' AND c.part = 0 AND c.amount < 0"
            " AND c.table_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cells x WHERE"
            " x.table_id = c.table_id AND x.column_id = c.column_id AND x.row_id = c.row_id)"
            f" AND NOT ({_DRAFT}){removed}"
        ).fetchall()
    )
    uncharged: list = []
    if "credits" in table_columns(db, "cells"):
        # one pass over the captures (a NOT EXISTS per cell scanned the column's whole
        # ledger for each cell: 25 s for 2,000 cells)
        uncharged = db.execute(
            "SELECT x.table_id, x.column_id, x.row_id FROM cells x LEFT JOIN"
            f" (SELECT DISTINCT table_id, column_id, row_id FROM ledger WHERE {_CHARGE}"
            " AND amount < 0 AND row_id IS NOT NULL) c ON c.table_id = x.table_id AND"
            " c.column_id = x.column_id AND c.row_id = x.row_id"
            " WHERE x.credits > 0 AND c.row_id IS NULL"
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


def _cell_name(table_id: int, column_id: int, row_id: int) -> str:
    return f"table {table_id} column {column_id} row {row_id}"


def _check(name: str, ok_detail: str, problems: list[str], total: int) -> Check:
    if not problems:
        return Check(name, True, ok_detail)
    more = f" (and {total - len(problems)} more)" if total > len(problems) else ""
    return Check(name, False, f"{total} problem(s): {problems[0]}{more}", problems)


def _cell_checks(ledger: Ledger, alive: Callable[[int | None], bool]) -> list[Check]:
    """The ledger against the engine's stored cells and runs (DESIGN invariants 2, 5, 7, 9)."""
    db = ledger.db
    names = (
        "every cell's credits equal its ledger charges",
        "no cell charged again by a run that was not forced",
        "errors cost nothing",
        "every run's credits equal its ledger charges",
    )
    cell_cols = table_columns(db, "cells") if has_table(db, "cells") else set()
    if not {"table_id", "column_id", "row_id", "status", "credits", "run_id"} <= cell_cols:
        return [Check(n, True, "no stored cells in this workspace yet") for n in names]
    checks: list[Check] = []
    same, differs = dialect_of(db).same, dialect_of(db).differs  # IS / IS NOT DISTINCT FROM
    net = (
        "SELECT table_id, column_id, row_id, run_id, -SUM(amount) AS n FROM ledger"
        f" WHERE {_NET} AND row_id IS NOT NULL GROUP BY table_id, column_id, row_id, run_id"
    )
    # 1. a cell's credits are what the run that stored it was charged for it
    rows = db.execute(
        f"WITH net AS ({net}) SELECT x.table_id, x.column_id, x.row_id, x.run_id, x.credits,"
        " COALESCE(n.n, 0) FROM cells x LEFT JOIN net n ON n.table_id = x.table_id AND"
        f" n.column_id = x.column_id AND n.row_id = x.row_id AND n.run_id {same} x.run_id"
        " WHERE x.credits != COALESCE(n.n, 0)"
    ).fetchall()
    checks.append(
        _check(
            names[0],
            "each stored cell's credits equal its run's ledger charges",
            [
                f"{_cell_name(t, c, r)}: stores {cr} credits, the ledger charged {n} in run {run}"
                for t, c, r, run, cr, n in rows[:PROBLEMS_SHOWN]
            ],
            len(rows),
        )
    )
    # 2. a step paid for a cell is not paid again unless a forced run re-ran it (invariant 7):
    # charges of another run than the one whose result is stored are double charges
    forced = "1 = 0"  # (PostgreSQL wants a boolean here)
    run_columns = table_columns(db, "runs") if has_table(db, "runs") else set()
    if {"id", "row_set"} <= run_columns:
        # a run says it re-runs stored cells (auto-update after an input changed, --force);
        # runs from before that flag said so in their row set's words
        said = "r.forced = 1 OR " if "forced" in run_columns else ""
        forced = (
            "x.run_id > n.run_id AND EXISTS (SELECT 1 FROM runs r WHERE r.id = x.run_id"
            f" AND ({said}r.row_set LIKE '%(forced)'))"
        )
    rows = db.execute(
        f"WITH net AS ({net}) SELECT n.table_id, n.column_id, n.row_id, n.run_id, n.n, x.run_id"
        " FROM net n JOIN cells x ON n.table_id = x.table_id AND n.column_id = x.column_id"
        f" AND n.row_id = x.row_id WHERE n.n != 0 AND n.run_id {differs} x.run_id"
        f" AND NOT ({forced}) ORDER BY n.table_id, n.column_id, n.row_id, n.run_id"
    ).fetchall()
    checks.append(
        _check(
            names[1],
            "no cell was paid for twice",
            [
                f"{_cell_name(t, c, r)}: charged {n} in run {run} and its result"
                f" stored by run {kept}, which was not a forced re-run"
                for t, c, r, run, n, kept in rows[:PROBLEMS_SHOWN]
            ],
            len(rows),
        )
    )
    # 3. only a result keeps a charge: error, stopped, skipped... cells cost nothing
    marks = ",".join("?" * len(RESULT))  # the only cell states that keep a charge
    rows = db.execute(
        "SELECT table_id, column_id, row_id, status, credits FROM cells"
        f" WHERE credits != 0 AND status NOT IN ({marks})",
        tuple(RESULT),
    ).fetchall()
    checks.append(
        _check(
            names[2],
            "no cell without a result keeps a charge",
            [
                f"{_cell_name(t, c, r)}: {status!r} keeps {cr} credits"
                for t, c, r, status, cr in rows[:PROBLEMS_SHOWN]
            ],
            len(rows),
        )
    )
    # 4. a run's record says what the ledger charged in it (a live run is still counting)
    if not has_table(db, "runs") or not {"id", "status", "pid", "credits"} <= table_columns(
        db, "runs"
    ):
        checks.append(Check(names[3], True, "no runs in this workspace yet"))
        return checks
    rows = db.execute(
        "SELECT r.id, r.status, r.pid, r.credits, COALESCE(l.n, 0) FROM runs r LEFT JOIN"
        f" (SELECT run_id, -SUM(amount) AS n FROM ledger WHERE {_NET} AND run_id IS NOT NULL"
        " GROUP BY run_id) l ON l.run_id = r.id WHERE COALESCE(r.credits, 0) != COALESCE(l.n, 0)"
        " ORDER BY r.id"
    ).fetchall()
    rows = [r for r in rows if not (r[1] == RunStatus.RUNNING and alive(r[2]))]
    checks.append(
        _check(
            names[3],
            "every run's credits equal its ledger charges",
            [
                f"run {run} ({status}): records {cr} credits, the ledger charged {n}"
                for run, status, _pid, cr, n in rows[:PROBLEMS_SHOWN]
            ],
            len(rows),
        )
    )
    return checks
