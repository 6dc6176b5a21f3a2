"""Plans and renewals: rollover cap, annual terms, plan changes, trials, idempotency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from credit_helpers import ctx, ledger_sum, make_settings, open_ws

from clay_tui.clock import FixedClock
from clay_tui.credits import Ledger, plans
from clay_tui.credits.periods import add_months, period_index_at


def at(y: int, m: int, d: int = 1, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def kinds(ws) -> list[tuple[str, int, str]]:
    return [
        tuple(r)
        for r in ws.db.execute(
            "SELECT kind, amount, key FROM ledger WHERE kind IN ('grant','forfeit','expire')"
            " ORDER BY id"
        )
    ]


def test_add_months_clamps_the_day() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert period_index_at(date(2026, 1, 31), "monthly", at(2026, 2, 28)) == 1
    assert period_index_at(date(2026, 1, 31), "monthly", at(2026, 2, 27, 23)) == 0
    assert period_index_at(date(2026, 11, 1), "monthly", at(2026, 10, 5)) == -1


def test_free_plan_rolls_over_up_to_twice_the_allowance(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock, name="Free", monthly_credits=100)
    ledger = Ledger(ws)
    assert ledger.balance().plan == 100
    clock.set(at(2026, 12, 1))
    assert ledger.balance().plan == 200
    clock.set(at(2027, 1, 1))
    assert ledger.balance().plan == 200  # min(200 + 100, 200): 100 forfeited
    assert kinds(ws)[-2:] == [
        ("grant", 100, "grant:2027-01-01"),
        ("forfeit", -100, "forfeit:2027-01-01"),
    ]
    ledger.capture(ledger.reserve(150, "k", context=ctx()), 150)
    clock.set(at(2027, 2, 1))
    assert ledger.balance().plan == 150  # 50 + 100, under the cap
    assert ledger_sum(ws) == ledger.balance().available


def test_renewals_are_idempotent_across_instances_and_reopens(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    settings = make_settings(tmp_path / "ws")
    from clay_tui.workspace import Workspace

    ws = Workspace.open(settings, clock)
    a, b = Ledger(ws), Ledger(ws)
    clock.set(at(2027, 3, 10))
    a.balance()
    b.balance()
    ws.close()
    ws = Workspace.open(settings, clock)
    Ledger(ws).balance()
    grants = [k for k in kinds(ws) if k[0] == "grant"]
    assert [g[2] for g in grants] == [
        "grant:2026-11-01",
        "grant:2026-12-01",
        "grant:2027-01-01",
        "grant:2027-02-01",
        "grant:2027-03-01",
    ]
    assert Ledger(ws).balance().plan == 4000
    periods = ws.db.execute("SELECT COUNT(*) FROM credit_periods").fetchone()[0]
    assert periods == 5


def test_annual_plan_grants_up_front_and_expires_at_term_end(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(
        tmp_path / "ws", clock, billing="annual", monthly_credits=1000, cycle_start="2026-06-01"
    )
    ledger = Ledger(ws)
    assert ledger.balance().plan == 12_000
    ledger.capture(ledger.reserve(2000, "k", context=ctx()), 2000)
    ledger.purchase(300)
    prev = plans.preview(ledger)
    assert (prev.on, prev.grant, prev.expire, prev.forfeit) == (date(2027, 6, 1), 12_000, 10_000, 0)
    clock.set(at(2027, 5, 31, 23))
    assert ledger.balance().plan == 10_000
    clock.set(at(2027, 6, 1))
    b = ledger.balance()
    assert (b.plan, b.purchased) == (12_000, 300)  # unspent 10,000 expired; purchased kept
    assert ("expire", -10_000, "expire:2027-06-01") in kinds(ws)


def test_plan_change_waits_for_the_next_renewal_and_the_cap_follows(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock)  # Starter 2000
    ledger = Ledger(ws)
    clock.set(at(2026, 12, 1))
    assert ledger.balance().plan == 4000
    ws.settings = make_settings(tmp_path / "ws", plan={"name": "Free", "monthly_credits": 100})
    clock.set(at(2026, 12, 20))
    assert ledger.balance().plan == 4000  # nothing yet
    assert plans.pending_change(ledger).name == "Free"
    prev = plans.preview(ledger)
    assert (prev.plan_name, prev.grant, prev.forfeit, prev.plan_after) == ("Free", 100, 3900, 200)
    clock.set(at(2027, 1, 1))
    assert ledger.balance().plan == 200  # downgrade: capped at 2 x 100
    assert plans.read_state(ledger).name == "Free"
    assert plans.pending_change(ledger) is None


def test_reverting_the_config_cancels_the_pending_change(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock)
    ledger = Ledger(ws)
    starter = ws.settings
    ws.settings = make_settings(tmp_path / "ws", plan={"name": "Pro", "monthly_credits": 50_000})
    ledger.balance()
    ws.settings = starter
    ledger.balance()
    clock.set(at(2026, 12, 1))
    assert ledger.balance().plan == 4000
    statuses = [r[0] for r in ws.db.execute("SELECT status FROM credit_plan_changes")]
    assert statuses == ["cancelled"]


def test_upgrading_from_a_trial_adds_the_grant_on_top(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock, name="Trial", monthly_credits=0, trial_credits=1000)
    ledger = Ledger(ws)
    assert ledger.balance().plan == 1000
    clock.set(at(2026, 12, 1))
    assert ledger.balance().plan == 1000  # a trial neither grants nor forfeits
    ws.settings = make_settings(
        tmp_path / "ws", plan={"name": "Free", "monthly_credits": 100, "trial_credits": 1000}
    )
    clock.set(at(2027, 1, 1))
    assert ledger.balance().plan == 1100  # on top, not capped at 200
    clock.set(at(2027, 2, 1))
    assert ledger.balance().plan == 200  # from then on the cap applies
    assert [k[2] for k in kinds(ws)].count("grant:trial") == 1


def test_clock_jump_over_years_and_monthly_to_annual(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock, monthly_credits=10)
    ledger = Ledger(ws)
    ws.settings = make_settings(tmp_path / "ws", plan={"monthly_credits": 10, "billing": "annual"})
    clock.set(at(2029, 12, 24))
    b = ledger.balance()
    # monthly Nov 2026 -> annual from 2026-12-01; terms end 2027-12-01, 2028-12-01, 2029-12-01
    state = plans.read_state(ledger)
    assert (state.billing, state.period_start, state.next_renewal) == (
        "annual",
        date(2029, 12, 1),
        date(2030, 12, 1),
    )
    assert b.plan == 120
    assert len([k for k in kinds(ws) if k[0] == "expire"]) == 3
    assert ledger_sum(ws) == b.available


def test_preview_matches_what_the_renewal_does(tmp_path) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock, monthly_credits=100)
    ledger = Ledger(ws)
    clock.set(at(2026, 12, 1))
    ledger.balance()
    ledger.reserve(30, "held", context=ctx())
    prev = plans.preview(ledger)
    clock.set(at(2027, 1, 1))
    b = ledger.balance()
    assert prev.plan_after == b.plan == 200
    assert ("forfeit", -prev.forfeit, "forfeit:2027-01-01") in kinds(ws)


@pytest.mark.parametrize("day", [1, 29, 31])
def test_each_period_is_granted_once(tmp_path, day: int) -> None:
    clock = FixedClock(at(2026, 11, 15))
    ws = open_ws(tmp_path / "ws", clock, monthly_credits=1, cycle_start=f"2026-01-{day:02d}")
    ledger = Ledger(ws)
    for month in range(12, 36):
        clock.set(at(2026 + (month - 1) // 12, (month - 1) % 12 + 1, 28))
        ledger.balance()
    starts = [r[0] for r in ws.db.execute("SELECT start FROM credit_periods ORDER BY start")]
    assert len(starts) == len(set(starts)) == 25
