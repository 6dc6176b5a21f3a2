"""Credit services for both front ends: balance, plan, purchases, usage, Run Info, verify.

Everything reads the ledger (``clay_tui.credits``); the balance is always the sum of its
entries. Front ends do not poll: ``watch_credits`` calls them after every commit that
changed the ledger (and when another process changed it), and they read again then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from clay_tui.credits import plans, reports
from clay_tui.credits.feed import feed_for
from clay_tui.credits.ledger import MAX_PURCHASE, ledger_for
from clay_tui.credits.reports import GROUPINGS, RunInfoNumbers, UsageReport
from clay_tui.credits.types import Balance, Entry
from clay_tui.credits.verify import VerifyReport, verify
from clay_tui.errors import ClayError
from clay_tui.table.csv_guard import guard_text
from clay_tui.workspace import Workspace


@dataclass(frozen=True)
class CreditsSummary:
    available: int
    plan_name: str
    source: str  # "ledger"
    low: bool  # under the low-credit warning threshold


@dataclass(frozen=True)
class PlanOverview:
    """Everything Plans & Billing and ``clay-tui credits`` show."""

    plan_name: str
    billing: str
    monthly: int
    allocation: int  # credits per period (12 x monthly on annual plans)
    rollover_cap: int | None
    period_start: date
    next_renewal: plans.RenewalPreview
    pending_change: plans.PendingChange | None
    balance: Balance
    low_warning: int

    def as_dict(self) -> dict[str, object]:
        b, n = self.balance, self.next_renewal
        return {
            "plan": {
                "name": self.plan_name,
                "billing": self.billing,
                "monthly": self.monthly,
                "allocation": self.allocation,
                "rollover_cap": self.rollover_cap,
                "period_start": self.period_start.isoformat(),
            },
            "balance": {
                "plan": b.plan,
                "purchased": b.purchased,
                "reserved": b.reserved,
                "available": b.available,
            },
            "next_renewal": {
                "on": n.on.isoformat(),
                "plan": n.plan_name,
                "billing": n.billing,
                "grant": n.grant,
                "forfeit": n.forfeit,
                "expire": n.expire,
                "plan_after": n.plan_after,
            },
            "pending_change": None
            if self.pending_change is None
            else {
                "name": self.pending_change.name,
                "monthly": self.pending_change.monthly,
                "billing": self.pending_change.billing,
            },
        }


def watch_credits(ws: Workspace, listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener()`` (from any thread: hand it on, quickly) after each commit that
    changed this workspace's credits, or when another process changed them; returns the
    function that stops it."""
    ledger_for(ws)  # the ledger's tables exist before anyone watches them
    return feed_for(ws).subscribe(listener)


def table_label(ws: Workspace, table_id: int) -> str:
    """A table's name for credit screens ("table 7" when it has none here)."""
    if reports.has_table(ws.db, "tables"):
        row = ws.db.execute("SELECT name FROM tables WHERE id = ?", (table_id,)).fetchone()
        if row is not None:
            return str(row[0])
    return f"table {table_id}"


def credits_summary(ws: Workspace) -> CreditsSummary:
    """What the status bar shows: available credits from the ledger (cheap to call often)."""
    available = ledger_for(ws).balance().available
    return CreditsSummary(
        available=available,
        plan_name=ws.settings.plan.name,
        source="ledger",
        low=available < ws.settings.run.low_credit_warning,
    )


def balance(ws: Workspace) -> Balance:
    return ledger_for(ws).balance()


def plan_overview(ws: Workspace) -> PlanOverview:
    ledger = ledger_for(ws)
    bal = ledger.balance()
    state = plans.read_state(ledger)
    assert state is not None
    return PlanOverview(
        plan_name=state.name,
        billing=state.billing,
        monthly=state.monthly,
        allocation=plans.grant_for(state.monthly, state.billing),
        rollover_cap=2 * state.monthly if state.billing == "monthly" and state.monthly else None,
        period_start=state.period_start,
        next_renewal=plans.preview(ledger),
        pending_change=plans.pending_change(ledger),
        balance=bal,
        low_warning=ws.settings.run.low_credit_warning,
    )


def parse_amount(text: str | int) -> int:
    """A purchase amount from user input: a positive whole number."""
    value: int | None
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        digits = str(text).strip().replace(",", "").replace("_", "")
        # ASCII digits only: int() also reads '٣' (Arabic-Indic) and '３' (full-width) as 3.
        value = None
        if digits.isascii() and digits.isdigit():
            if len(digits) > len(str(MAX_PURCHASE)):  # said before any confirmation
                raise ClayError(f"Buy at most {MAX_PURCHASE:,} credits at a time.")
            value = int(digits)
    if value is None or value <= 0:
        raise ClayError(f"Credits to buy must be a positive whole number, not {str(text)!r}.")
    if value > MAX_PURCHASE:  # said before any confirmation, not after it
        raise ClayError(f"Buy at most {MAX_PURCHASE:,} credits at a time.")
    return value


def buy_credits(ws: Workspace, amount: str | int) -> Balance:
    """Buy credits into the purchased bucket; returns the new balance."""
    ledger = ledger_for(ws)
    ledger.purchase(parse_amount(amount))
    return ledger.balance()


def parse_date(text: str | None, what: str) -> date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ClayError(f"{what} must be a date like 2026-11-25, not {text!r}.") from None


def parse_by(text: str) -> str:
    if text not in GROUPINGS:
        raise ClayError(f"Cannot group usage by {text!r}; use one of {', '.join(GROUPINGS)}.")
    return text


def resolve_table_id(ws: Workspace, target: str | int | None) -> int | None:
    """A table name or numeric id -> id (names need the table core's ``tables``)."""
    if target is None or target == "":
        return None
    text = str(target).strip()
    db = ws.db
    if reports.has_table(db, "tables"):
        row = db.execute("SELECT id FROM tables WHERE name = ?", (text,)).fetchone()
        if row is not None:
            return int(row[0])
    if text.isdigit():
        return int(text)
    raise ClayError(f"No table named {text!r} in this workspace.")


def usage_report(
    ws: Workspace,
    by: str = "table",
    *,
    table_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> UsageReport:
    ledger_for(ws)  # schema + renewals
    return reports.usage(ws.db, parse_by(by), table_id=table_id, since=since, until=until)


def export_usage_csv(report: UsageReport, path: Path) -> Path:
    return reports.write_csv(csv_safe_usage(report), path)


def csv_safe_usage(report: UsageReport) -> UsageReport:
    """The report with table and column names a spreadsheet would run as formulas (a table
    named by its file, ``=cmd|' /C calc'!A0``) prefixed with ``'``, for CSV output."""
    rows = [replace(r, key=guard_text(r.key), label=guard_text(r.label)) for r in report.rows]
    return replace(report, rows=rows)


def usage_csv_header(report: UsageReport) -> list[str]:
    return reports.csv_header(report)


def usage_csv_row(report: UsageReport, row: reports.UsageRow) -> list[object]:
    return reports.csv_row(report, row)


def label_runs_with_trigger(report: UsageReport) -> UsageReport:
    """By run: each label ends with what started the run and its rows, for a text listing."""
    return reports.label_runs_with_trigger(report)


def recent_entries(ws: Workspace, limit: int = 20, *, include_holds: bool = False) -> list[Entry]:
    ledger_for(ws)
    return reports.recent_entries(ws.db, limit, include_holds=include_holds)


def entry_places(ws: Workspace, entries: list[Entry]) -> list[str]:
    """Where each entry's credits went, with table and column names when known."""
    tables, columns = reports.names(ws.db)
    return [reports.where_label(e, tables, columns) for e in entries]


def run_info_numbers(ws: Workspace, table_id: int, column_id: int) -> RunInfoNumbers:
    """Credits behind a column's Run Info: spent, refunded, per provider, last charge."""
    ledger_for(ws)
    return reports.run_info_numbers(ws.db, table_id, column_id)


def verify_credits(ws: Workspace, *, repair: bool = True) -> VerifyReport:
    ledger = ledger_for(ws)
    if repair and reports.has_table(ws.db, "attempts"):  # the engine has run here: close
        # runs a crash left "running" (holds, cells, run totals) as the next run would
        from clay_tui.enrich.reconcile import reconcile

        closed = reconcile(ws, ledger)
        report = verify(ledger, repair=repair)
        if closed:
            report.actions.insert(0, f"Marked {closed} cell(s) of crashed runs interrupted.")
        return report
    return verify(ledger, repair=repair)
