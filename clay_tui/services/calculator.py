"""The credits calculator: what enriching N rows would cost, and what covers it.

For each column (an enrichment column of a table, an action, or a recipe's columns) the
maximum and expected credits for N rows that call a provider, from the same
:func:`clay_tui.enrich.estimate.row_cost` a run's estimate uses (the column's own history
once it has some, else the typical hit rates), so the calculator and a run's estimate give
the same figures for the same rows. Then: how many months of the current plan that is, and
whether the balance covers it, else the top-up or the plan that would.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clay_tui.credits import plans
from clay_tui.credits.ledger import ledger_for
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.columns import get_column, list_columns, load_recipe
from clay_tui.enrich.estimate import row_cost
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError, ColumnSpecError
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace

MAX_ROWS = 100_000_000
# The hosted product's example plans (legacy model, /work/shared/reference/clay-behaviour.md
# "Credits"): credits per month. A plan change is suggested from these.
PLAN_TIERS: tuple[tuple[str, int], ...] = (
    ("Free", 100),
    ("Starter", 2_000),
    ("Explorer", 10_000),
    ("Pro", 50_000),
)


@dataclass(frozen=True)
class ColumnCost:
    column: str
    action: str
    rows: int
    per_row_max: int
    per_row_expected: float
    max_credits: int
    expected_credits: int
    basis: str  # "history" | "typical hit rates" | "free"
    prices: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Calculation:
    rows: int
    columns: list[ColumnCost]
    plan_name: str
    monthly: int
    available: int
    top_up: int  # credits to buy so the balance covers the maximum (0: it does)
    plan_change: str | None  # the smallest plan whose month covers the maximum, if any

    @property
    def max_credits(self) -> int:
        return sum(c.max_credits for c in self.columns)

    @property
    def expected_credits(self) -> int:
        return sum(c.expected_credits for c in self.columns)

    def months(self, credits: int) -> float | None:
        """How many months of the current plan ``credits`` is (None on a plan of 0)."""
        return credits / self.monthly if self.monthly else None

    def covered_by(self) -> str:
        """One sentence: what pays for the maximum."""
        most, expected = self.max_credits, self.expected_credits
        if most == 0:
            return "Nothing to pay: every column is free."
        if most <= self.available:
            return f"Your {self.available:,} available credits cover even the maximum."
        text = (
            f"The maximum is {self.top_up:,} more than the {self.available:,} available: "
            f"buy {self.top_up:,} (`clay-tui credits buy {self.top_up}`)"
        )
        if self.plan_change:
            monthly = dict(PLAN_TIERS)[self.plan_change]
            text += f", or move to {self.plan_change} ({monthly:,} a month)"
        if expected <= self.available:
            text += "; the expected spend fits the balance"
        return text + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": [asdict(c) for c in self.columns],
            "max_credits": self.max_credits,
            "expected_credits": self.expected_credits,
            "plan": {"name": self.plan_name, "monthly": self.monthly},
            "months_of_plan": {
                "max": self.months(self.max_credits),
                "expected": self.months(self.expected_credits),
            },
            "available": self.available,
            "top_up": self.top_up,
            "plan_change": self.plan_change,
            "covered_by": self.covered_by(),
        }

    def lines(self) -> list[str]:
        """The calculation as the CLI prints it."""
        width = max([len(c.column) for c in self.columns] + [6])
        out = [f"{'column':<{width}}  {'max':>9}  {'expected':>9}  basis"]
        for c in self.columns:
            out.append(
                f"{c.column:<{width}}  {c.max_credits:>9,}  {c.expected_credits:>9,}  {c.basis}"
                + (
                    f" ({', '.join(f'{k} {v}' for k, v in c.prices.items())} per call)"
                    if c.prices
                    else ""
                )
            )
        out.append(f"{'total':<{width}}  {self.max_credits:>9,}  {self.expected_credits:>9,}")
        out.append(f"For {self.rows:,} row(s) that call a provider.")
        months = self.months(self.max_credits)
        if months is not None:
            expected = self.months(self.expected_credits) or 0.0
            out.append(
                f"That is {months:.2f} month(s) of the {self.plan_name} plan at the most, "
                f"{expected:.2f} expected ({self.monthly:,} credits a month)."
            )
        out.append(self.covered_by())
        return out


def parse_rows(value: str | int) -> int:
    """A row count from the user: a whole number from 1 to MAX_ROWS."""
    try:
        rows = int(str(value).strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise ClayError(f"The number of rows must be a whole number, not {value!r}.") from None
    if not 1 <= rows <= MAX_ROWS:
        raise ClayError(f"The number of rows must be from 1 to {MAX_ROWS:,}, not {rows:,}.")
    return rows


def _spec_for(ws: Workspace, name: str, table: LeadTable | None) -> ColumnSpec:
    name = name.strip()
    if table is not None and name in {c.name for c in list_columns(ws, table)}:
        return get_column(ws, table, name)
    if name in ACTIONS:
        return ColumnSpec(name=name, action=name)
    where = f"an enrichment column of {table.name} nor " if table is not None else ""
    raise ColumnSpecError(
        f"Unknown column {name!r}: it is neither {where}an action (actions: {', '.join(ACTIONS)})."
    )


def resolve_specs(
    ws: Workspace,
    columns: list[str],
    recipe: Path | None,
    table: LeadTable | None = None,
) -> list[ColumnSpec]:
    """The columns to price: named ones (a table's enrichment column, else an action slug) or
    a recipe's; a recipe column named like one of ``table``'s uses that column (its history)."""
    if columns and recipe is not None:
        raise ClayError("Give --column or --recipe, not both.")
    if recipe is not None:
        specs = load_recipe(Path(recipe).expanduser())
        out = []
        stored = {c.name: c for c in list_columns(ws, table)} if table is not None else {}
        for spec in specs:
            if spec.action not in ACTIONS:
                raise ColumnSpecError(
                    f"Recipe {Path(recipe).name} column {spec.name!r} uses an unknown action "
                    f"{spec.action!r} (actions: {', '.join(ACTIONS)})."
                )
            out.append(stored.get(spec.name, spec))
        return out
    names = [n for n in columns if n.strip()]
    if not names:
        raise ClayError(
            "Say what to price: --column NAME (an enrichment column of --table, or an action "
            "such as find_work_email) or --recipe FILE."
        )
    return [_spec_for(ws, n, table) for n in names]


def _plan_change(monthly: int, needed: int) -> str | None:
    for name, credits in PLAN_TIERS:
        if credits >= needed and credits > monthly:
            return name
    return None


def calculate(
    ws: Workspace, rows: int, specs: list[ColumnSpec], table: LeadTable | None = None
) -> Calculation:
    """Maximum and expected credits of ``specs`` over ``rows`` rows, against the plan."""
    costs = []
    for spec in specs:
        cost = row_cost(ws, spec, table)
        most, expected = cost.for_rows(rows)
        costs.append(
            ColumnCost(
                spec.name,
                spec.action,
                rows,
                cost.per_row_max,
                cost.per_row_expected,
                most,
                expected,
                cost.basis,
                cost.prices,
            )
        )
    ledger = ledger_for(ws)
    available = max(0, ledger.balance().available)
    state = plans.read_state(ledger)
    name, monthly = (state.name, state.monthly) if state else (ws.settings.plan.name, 0)
    most = sum(c.max_credits for c in costs)
    top_up = max(0, most - available)
    return Calculation(
        rows,
        costs,
        name,
        monthly,
        available,
        top_up,
        _plan_change(monthly, most) if top_up else None,
    )
