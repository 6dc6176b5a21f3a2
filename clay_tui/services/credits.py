"""Credit services for both front ends.

Until the ledger lands this reports the plan's allocation from config.toml,
labelled as such; the credits issue replaces it with the ledger's balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from clay_tui.workspace import Workspace


@dataclass(frozen=True)
class CreditsSummary:
    available: int
    plan_name: str
    source: str  # "ledger" or "plan (config.toml)"
    low: bool  # under the low-credit warning threshold


def credits_summary(ws: Workspace) -> CreditsSummary:
    """What the status bar shows: available credits, and how they were worked out."""
    plan = ws.settings.plan
    available = plan.monthly_credits * (12 if plan.billing == "annual" else 1)
    return CreditsSummary(
        available=available,
        plan_name=plan.name,
        source="plan (config.toml)",
        low=available < ws.settings.run.low_credit_warning,
    )
