"""What a run will touch and may cost, before it starts (and for the columns downstream)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clay_tui.credits.ledger import ledger_for
from clay_tui.enrich import store
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.columns import list_columns
from clay_tui.enrich.rows import RowSelection, plan_rows
from clay_tui.enrich.spec import ColumnSpec, referenced_columns
from clay_tui.enrich.typical_rates import TYPICAL_VALID_RATE, hit_rate
from clay_tui.states import RESULT
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace

HISTORY_MIN_CELLS = 5  # below this many run cells, typical hit rates are used instead
SHOWN_IDS = 20  # how many of the rows to run an estimate names


@dataclass
class Estimate:
    column: str
    rows_selected: int
    rows_to_run: int
    skipped_condition: int
    already_done: int
    missing_input: int
    max_credits: int
    expected_credits: int
    basis: str  # "history" | "typical hit rates" | "free"
    per_row_max: int
    dependents: list[Estimate] = field(default_factory=list)
    row_ids: list[int] = field(default_factory=list)  # the first rows that will run (ids)
    # What binds the maximum: max_credits = min(uncapped, spend limit left, --max-credits,
    # available); capped_by names the one that binds ("spend limit" | "max credits" |
    # "balance"), None when every row's maximum fits.
    uncapped_max_credits: int = 0
    capped_by: str | None = None
    spend_limit: int | None = None
    spend_limit_left: int | None = None
    available: int | None = None
    paid_again: int = 0  # forced: rows whose stored result was paid for, paid for again

    @property
    def total_max_credits(self) -> int:
        total = self.max_credits + sum(d.total_max_credits for d in self.dependents)
        return total if self.available is None else min(total, max(0, self.available))

    @property
    def total_expected_credits(self) -> int:
        return self.expected_credits + sum(d.total_expected_credits for d in self.dependents)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "dependents"}
        out["dependents"] = [d.as_dict() for d in self.dependents]
        out["total_max_credits"] = self.total_max_credits
        out["total_expected_credits"] = self.total_expected_credits
        return out


@dataclass(frozen=True)
class RowCost:
    """What one row of a column may cost: the most (what is reserved), the expected, on what
    basis, and each priced step's credits. A run's estimate and the credits calculator both
    work from this, so they agree for the same rows."""

    per_row_max: int
    per_row_expected: float
    basis: str  # "history" | "typical hit rates" | "free"
    prices: dict[str, int] = field(default_factory=dict)  # "provider.op" -> credits

    def for_rows(self, n: int) -> tuple[int, int]:
        """(maximum, expected) credits for ``n`` rows that call a provider, before caps."""
        most = self.per_row_max * n
        return most, min(most, round(self.per_row_expected * n))


def row_cost(ws: Workspace, spec: ColumnSpec, table: LeadTable | None = None) -> RowCost:
    """The column's :class:`RowCost`; with ``table``, the column's own history counts."""
    info = ACTIONS[spec.action]
    expected, basis = expected_per_row(ws, table, spec)
    return RowCost(
        info.max_cost(ws.settings, spec), expected, basis, info.step_costs(ws.settings, spec)
    )


def expected_per_row(ws: Workspace, table: LeadTable | None, spec: ColumnSpec) -> tuple[float, str]:
    """Expected credits per row that calls: the column's history once it has
    ``HISTORY_MIN_CELLS`` results (``table`` given), else the typical hit rates."""
    info = ACTIONS[spec.action]
    if info.free:
        return 0.0, "free"
    if table is not None and spec.id is not None:
        row = ws.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(credits), 0) FROM cells WHERE table_id = ? AND"
            f" column_id = ? AND status IN ({', '.join('?' * len(RESULT))})",  # errors say
            # nothing about hit rates (a missing key, an outage): they would drag it to 0
            (table.id, spec.id, *RESULT),
        ).fetchone()
        if row[0] >= HISTORY_MIN_CELLS:
            return row[1] / row[0], "history"
    costs = info.step_costs(ws.settings, spec)
    verify = costs.pop("hunter.email_verifier", 0) if info.validation_of(spec) else 0
    reach, total = 1.0, 0.0
    for key, cost in costs.items():
        provider, _, op = key.partition(".")
        hit = hit_rate(provider, op)
        valid = TYPICAL_VALID_RATE if verify else 1.0
        # charged: finder on a hit (refunded when rejected), verifier on every hit
        total += reach * hit * (cost * valid + verify)
        reach *= 1 - hit * valid
    return total, "typical hit rates"


def spend_limit_used(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> int:
    """Credits the column's spend limit counts as used: spent net of refunds, plus holds."""
    return ledger_for(ws).committed("column", (table.id, spec.id or -1))


def _caps(
    ws: Workspace, table: LeadTable, spec: ColumnSpec, uncapped: int, max_credits: int | None
) -> dict[str, Any]:
    """The estimate's maximum, bound by what the run can spend, and what binds it."""
    out: dict[str, Any] = {"uncapped_max_credits": uncapped, "capped_by": None}
    if uncapped == 0:
        return out
    caps: list[tuple[str, int]] = []
    if spec.spend_limit is not None:
        left = max(0, spec.spend_limit - spend_limit_used(ws, table, spec))
        out.update(spend_limit=spec.spend_limit, spend_limit_left=left)
        caps.append(("spend limit", left))
    if max_credits is not None:
        caps.append(("max credits", max_credits))
    available = max(0, ledger_for(ws).balance().available)
    out["available"] = available
    caps.append(("balance", available))
    name, value = min(caps, key=lambda c: c[1])  # the first of equals: the user's own limit
    if value < uncapped:
        out.update(capped_by=name)
    out["max_credits"] = min(uncapped, value)
    return out


def _charged(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> dict[int, tuple[str, int]]:
    return {
        r[0]: (r[1], r[2])
        for r in ws.db.execute(
            "SELECT row_id, status, credits FROM cells WHERE table_id = ? AND column_id = ?"
            " AND credits > 0",
            (table.id, spec.id or -1),
        )
    }


def estimate(
    ws: Workspace,
    table: LeadTable,
    spec: ColumnSpec,
    rows: RowSelection,
    *,
    max_credits: int | None = None,
    _seen: set[str] | None = None,
) -> Estimate:
    store.ensure(ws)
    plan = plan_rows(ws, table, spec, rows)
    cost = row_cost(ws, spec, table)
    n = len(plan.to_run)
    uncapped, expected = cost.for_rows(n)
    caps = _caps(ws, table, spec, uncapped, max_credits)
    most = caps.pop("max_credits", uncapped)
    est = Estimate(
        spec.name,
        len(plan.selected),
        n,
        len(plan.skipped),
        len(plan.done),
        len(plan.missing),
        most,
        min(most, expected),
        cost.basis,
        cost.per_row_max,
        row_ids=plan.to_run[:SHOWN_IDS],
        **caps,
    )
    if rows.force and n:
        charged = {
            r
            for r, (status, credits) in _charged(ws, table, spec).items()
            if credits and status in RESULT
        }
        est.paid_again = sum(1 for r in plan.to_run if r in charged)
    seen = (_seen or set()) | {spec.name}
    outputs = set(spec.outputs.values())
    for other in list_columns(ws, table):
        if other.name in seen or not outputs & set(referenced_columns(other)):
            continue
        ids = tuple(plan.to_run)
        est.dependents.append(
            estimate(ws, table, other, RowSelection("ids", ids=ids, force=rows.force), _seen=seen)
        )
    return est
