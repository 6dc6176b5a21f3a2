"""Plan state and lazy, idempotent renewals.

The active plan, its period grid (``anchor``) and the next renewal live in
``credit_plan_state``; a config change is recorded in ``credit_plan_changes`` as pending
and takes effect at the next renewal (the new plan's periods then count from that day).
Each period is applied once (``credit_periods.start`` is the primary key, grant keys are
UNIQUE), so replays, races between processes and clock jumps never grant twice.

Rules at a renewal boundary:
- an annual term that ends expires the plan bucket's free credits;
- monthly plan: grant ``monthly``; forfeit whatever puts the plan bucket over
  ``2 x monthly`` (the cap of the plan now active), unless the ending plan was a trial
  (``monthly_credits = 0``): then the new grant lands on top;
- annual plan: grant ``12 x monthly`` up front;
- a trial plan (``monthly_credits = 0``) grants nothing and forfeits nothing, so the one-off
  ``trial_credits`` (granted when the workspace is created) last until the upgrade.
Held credits (open reservations) still count toward the cap, but only free credits can be
forfeited or expired; a hold released after its term ended returns to the plan bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from clay_tui.clock import iso
from clay_tui.credits.periods import midnight, period_index_at, period_start

if TYPE_CHECKING:
    from clay_tui.credits.ledger import Ledger

MAX_RENEWALS_PER_CALL = 1200  # 100 years of monthly periods: a sanity stop, not a limit users meet


@dataclass(frozen=True)
class PlanState:
    name: str
    monthly: int
    billing: str
    anchor: date
    period_start: date
    next_renewal: date


@dataclass(frozen=True)
class PendingChange:
    name: str
    monthly: int
    billing: str
    requested_at: str


@dataclass(frozen=True)
class RenewalPreview:
    """What the next renewal will do if nothing else changes before it."""

    on: date
    plan_name: str
    billing: str
    grant: int
    forfeit: int
    expire: int
    rollover_cap: int | None  # None on annual and trial plans
    plan_after: int


def grant_for(monthly: int, billing: str) -> int:
    return monthly * 12 if billing == "annual" else monthly


def read_state(ledger: Ledger) -> PlanState | None:
    row = ledger.db.execute("SELECT * FROM credit_plan_state WHERE id = 1").fetchone()
    if row is None:
        return None
    return PlanState(
        row["name"],
        row["monthly"],
        row["billing"],
        date.fromisoformat(row["anchor"]),
        date.fromisoformat(row["period_start"]),
        date.fromisoformat(row["next_renewal"]),
    )


def pending_change(ledger: Ledger) -> PendingChange | None:
    row = ledger.db.execute(
        "SELECT * FROM credit_plan_changes WHERE status = 'pending' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return PendingChange(row["name"], row["monthly"], row["billing"], row["requested_at"])


def apply(ledger: Ledger) -> str:
    """Create the plan on first use, record a config change, apply due renewals.

    Runs inside a transaction; returns the next renewal as an ISO timestamp.
    """
    ws = ledger.ws
    plan = ws.settings.plan
    now = ws.clock.now()
    state = read_state(ledger)
    if state is None:
        state = _create(ledger)
    _sync_change(ledger, state)
    for _ in range(MAX_RENEWALS_PER_CALL):
        if now < midnight(state.next_renewal):
            break
        state = _renew_once(ledger, state)
    del plan
    return iso(midnight(state.next_renewal))


def _create(ledger: Ledger) -> PlanState:
    ws = ledger.ws
    plan = ws.settings.plan
    now = ws.clock.now()
    anchor = plan.cycle_start
    index = period_index_at(anchor, plan.billing, now)
    start = period_start(anchor, plan.billing, index)
    nxt = period_start(anchor, plan.billing, index + 1)
    state = PlanState(plan.name, plan.monthly_credits, plan.billing, anchor, start, nxt)
    ledger.db.execute(
        "INSERT INTO credit_plan_state (id, name, monthly, billing, anchor, period_start,"
        " next_renewal, created_at) VALUES (1,?,?,?,?,?,?,?)",
        (
            state.name,
            state.monthly,
            state.billing,
            anchor.isoformat(),
            start.isoformat(),
            nxt.isoformat(),
            iso(now),
        ),
    )
    granted = grant_for(state.monthly, state.billing)
    # a repaired workspace (`workspace repair` leaves a "repair:" entry) is not a new one:
    # whatever it was granted before is not granted again
    repaired = (
        ledger.db.execute("SELECT 1 FROM ledger WHERE key LIKE 'repair:%' LIMIT 1").fetchone()
        is not None
    )
    if repaired:
        granted = 0
    if granted:
        ledger.insert(
            "grant",
            granted,
            "plan",
            f"grant:{start.isoformat()}",
            note=f"{state.name} plan, period from {start.isoformat()}",
        )
    if plan.trial_credits and not repaired:
        ledger.insert("grant", plan.trial_credits, "plan", "grant:trial", note="trial credits")
    _record_period(ledger, state, granted, 0, 0)
    return state


def _record_period(
    ledger: Ledger, state: PlanState, granted: int, forfeited: int, expired: int
) -> None:
    ledger.db.execute(
        'INSERT INTO credit_periods (start, "end", name, monthly, billing, granted,'
        " forfeited, expired, applied_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
        (
            state.period_start.isoformat(),
            state.next_renewal.isoformat(),
            state.name,
            state.monthly,
            state.billing,
            granted,
            forfeited,
            expired,
            ledger.now(),
        ),
    )


def _sync_change(ledger: Ledger, state: PlanState) -> None:
    """Record config.toml's plan as a pending change if it differs from the active plan."""
    plan = ledger.ws.settings.plan
    wanted = (plan.name, plan.monthly_credits, plan.billing)
    db = ledger.db
    if wanted == (state.name, state.monthly, state.billing):
        db.execute("UPDATE credit_plan_changes SET status = 'cancelled' WHERE status = 'pending'")
        return
    current = pending_change(ledger)
    if current is not None and (current.name, current.monthly, current.billing) == wanted:
        return
    db.execute("UPDATE credit_plan_changes SET status = 'superseded' WHERE status = 'pending'")
    db.execute(
        "INSERT INTO credit_plan_changes (requested_at, name, monthly, billing, status)"
        " VALUES (?,?,?,?, 'pending')",
        (ledger.now(), *wanted),
    )


def _plan_owned(ledger: Ledger) -> tuple[int, int]:
    """(free, owned) credits of the plan bucket."""
    sums = ledger.sums()
    free = sum(v for (b, _), v in sums.items() if b == "plan")
    held = -sum(v for (b, k), v in sums.items() if b == "plan" and k in ("reserve", "release"))
    return free, free + held


def preview(ledger: Ledger) -> RenewalPreview:
    """The next renewal's grant, forfeit and expiry, computed as :func:`_renew_once` would."""
    state = read_state(ledger)
    assert state is not None
    change = pending_change(ledger)
    new = (
        (change.name, change.monthly, change.billing)
        if change
        else (state.name, state.monthly, state.billing)
    )
    free, owned = _plan_owned(ledger)
    grant, forfeit, expire = _amounts(state, new[1], new[2], free, owned)
    cap = 2 * new[1] if new[2] == "monthly" and new[1] else None
    return RenewalPreview(
        state.next_renewal,
        new[0],
        new[2],
        grant,
        forfeit,
        expire,
        cap,
        owned + grant - forfeit - expire,
    )


def _amounts(
    state: PlanState, monthly: int, billing: str, free: int, owned: int
) -> tuple[int, int, int]:
    expire = max(0, free) if state.billing == "annual" else 0
    free -= expire
    owned -= expire
    grant = grant_for(monthly, billing)
    forfeit = 0
    if billing == "monthly" and monthly and state.monthly:
        forfeit = min(max(0, owned + grant - 2 * monthly), max(0, free + grant))
    return grant, forfeit, expire


def _renew_once(ledger: Ledger, state: PlanState) -> PlanState:
    boundary = state.next_renewal
    day = boundary.isoformat()
    db = ledger.db
    change = pending_change(ledger)
    if change is not None:
        name, monthly, billing, anchor = change.name, change.monthly, change.billing, boundary
        db.execute(
            "UPDATE credit_plan_changes SET status = 'applied', applied_at = ?"
            " WHERE status = 'pending'",
            (ledger.now(),),
        )
    else:
        name, monthly, billing, anchor = state.name, state.monthly, state.billing, state.anchor
    free, owned = _plan_owned(ledger)
    grant, forfeit, expire = _amounts(state, monthly, billing, free, owned)
    if expire:
        ledger.insert(
            "expire",
            -expire,
            "plan",
            f"expire:{day}",
            note=f"annual term {state.period_start.isoformat()} to {day} ended",
        )
    if grant:
        ledger.insert(
            "grant", grant, "plan", f"grant:{day}", note=f"{name} plan, period from {day}"
        )
    if forfeit:
        ledger.insert(
            "forfeit",
            -forfeit,
            "plan",
            f"forfeit:{day}",
            note=f"over the rollover cap of {2 * monthly}",
        )
    index = period_index_at(anchor, billing, midnight(boundary))
    nxt = period_start(anchor, billing, index + 1)
    new = PlanState(name, monthly, billing, anchor, boundary, nxt)
    db.execute(
        "UPDATE credit_plan_state SET name=?, monthly=?, billing=?, anchor=?, period_start=?,"
        " next_renewal=? WHERE id = 1",
        (name, monthly, billing, anchor.isoformat(), boundary.isoformat(), nxt.isoformat()),
    )
    _record_period(ledger, new, grant, forfeit, expire)
    return new
