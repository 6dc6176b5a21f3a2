"""Random sequences of ledger operations, checked step by step against a simple model.

Grants and renewals across months and years (the FixedClock jumps), plan changes,
purchases, reserves (with and without run caps), captures, releases, refunds, replays,
batches rolled back, and simulated crashes (the workspace closed mid-way and reopened,
its open reservations abandoned and then released by verify).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import hypothesis.strategies as st
import psycopg
import pytest
from credit_helpers import make_settings
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from clay_tui.clock import FixedClock
from clay_tui.credits import Caps, Ledger, SpendContext
from clay_tui.credits.periods import add_months, midnight, months_per_period, period_index_at
from clay_tui.credits.reports import usage
from clay_tui.credits.verify import verify
from clay_tui.errors import InsufficientCredits
from clay_tui.workspace import Workspace

PLANS = {
    "Starter": {"name": "Starter", "monthly_credits": 2000, "billing": "monthly"},
    "Free": {"name": "Free", "monthly_credits": 100, "billing": "monthly"},
    "Yearly": {"name": "Yearly", "monthly_credits": 50, "billing": "annual"},
    "Trial": {"name": "Trial", "monthly_credits": 0, "billing": "monthly"},
}
START = datetime(2026, 11, 15, 12, tzinfo=UTC)
CYCLE = date(2026, 1, 31)  # the 31st: exercises clamped renewal days
TRIAL = 300


@dataclass
class Res:
    plan: int
    purchased: int
    run: int

    @property
    def amount(self) -> int:
        return self.plan + self.purchased


@dataclass
class Model:
    plan_free: int = 0
    purchased_free: int = 0
    open: dict[str, Res] = field(default_factory=dict)
    captured: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # plan, purch, run
    refunded: set[str] = field(default_factory=set)
    plan: str = "Starter"
    anchor: date = CYCLE
    next_renewal: date = CYCLE

    @property
    def monthly(self) -> int:
        return PLANS[self.plan]["monthly_credits"]

    @property
    def billing(self) -> str:
        return PLANS[self.plan]["billing"]

    def held(self, bucket: str) -> int:
        return sum(r.plan if bucket == "plan" else r.purchased for r in self.open.values())

    def committed(self, run: int) -> int:
        held = sum(r.amount for r in self.open.values() if r.run == run)
        spent = sum(
            p + q for k, (p, q, r) in self.captured.items() if r == run and k not in self.refunded
        )
        return held + spent

    def next_after(self, day: date) -> date:
        index = period_index_at(self.anchor, self.billing, midnight(day))
        return add_months(self.anchor, (index + 1) * months_per_period(self.billing))

    def renew_until(self, now: datetime, wanted: str) -> None:
        while now >= midnight(self.next_renewal):
            boundary = self.next_renewal
            ending_monthly, ending_billing = self.monthly, self.billing
            if ending_billing == "annual":
                self.plan_free = 0
            if wanted != self.plan:
                self.plan, self.anchor = wanted, boundary
            grant = self.monthly * (12 if self.billing == "annual" else 1)
            owned = self.plan_free + self.held("plan")
            forfeit = 0
            if self.billing == "monthly" and self.monthly and ending_monthly:
                forfeit = min(max(0, owned + grant - 2 * self.monthly), self.plan_free + grant)
            self.plan_free += grant - forfeit
            self.next_renewal = self.next_after(boundary)


class LedgerMachine(RuleBasedStateMachine):
    # a fresh PostgreSQL workspace URL per example, or None for a folder (SQLite) workspace
    make_url: Callable[[], str | None] = staticmethod(lambda: None)

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-sm-"))
        self.clock = FixedClock(START)
        url = self.make_url()
        self.settings = {
            n: dataclasses.replace(
                make_settings(
                    self.dir / "ws", plan={**p, "cycle_start": CYCLE, "trial_credits": TRIAL}
                ),
                workspace_url=url,
            )
            for n, p in PLANS.items()
        }
        self.wanted = "Starter"
        self.ws = Workspace.open(self.settings["Starter"], self.clock)
        self.ledger = Ledger(self.ws)
        self.model = Model()
        # creation: the period containing now, plus the trial
        idx = period_index_at(CYCLE, "monthly", START)
        self.model.next_renewal = add_months(CYCLE, idx + 1)
        self.model.plan_free = 2000 + TRIAL
        self.n = 0

    def teardown(self) -> None:
        self.ws.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    # ------------------------------------------------------------ time and plans
    @rule(days=st.integers(0, 400), hours=st.integers(0, 23))
    def advance(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)
        self.ledger.balance()
        self.model.renew_until(self.clock.now(), self.wanted)

    @rule(plan=st.sampled_from(sorted(PLANS)))
    def change_plan(self, plan: str) -> None:
        self.wanted = plan
        self.ws.settings = self.settings[plan]
        self.ledger.balance()

    @rule(amount=st.integers(1, 5000))
    def purchase(self, amount: int) -> None:
        self.ledger.purchase(amount)
        self.model.purchased_free += amount

    # ------------------------------------------------------------ spending
    @rule(amount=st.integers(0, 3000), run=st.integers(1, 3), cap=st.none() | st.integers(0, 3000))
    def reserve(self, amount: int, run: int, cap: int | None) -> None:
        key = self.key()
        m = self.model
        context = SpendContext(1, run, self.n, "hunter", run)
        caps = Caps(run_max=cap) if cap is not None else None
        expect_cap = cap is not None and m.committed(run) + amount > cap
        expect_short = amount > m.plan_free + m.purchased_free
        try:
            res = self.ledger.reserve(amount, key, context=context, caps=caps)
        except InsufficientCredits as exc:
            assert expect_cap or expect_short
            assert exc.cap == ("run" if expect_cap else None)
            return
        assert not (expect_cap or expect_short)
        assert res.amount == amount
        from_plan = min(amount, m.plan_free)
        m.plan_free -= from_plan
        m.purchased_free -= amount - from_plan
        m.open[key] = Res(from_plan, amount - from_plan, run)
        assert self.ledger.reserve(amount, key, context=context) == res  # replay

    @precondition(lambda self: self.model.open)
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.open)))
        r = self.model.open.pop(key)
        actual = data.draw(st.integers(0, r.amount))
        res = self.ledger.find_reservation(key)
        first = self.ledger.capture(res, actual)
        assert self.ledger.capture(res, actual) == first  # replay
        take_plan = min(actual, r.plan)
        self.model.plan_free += r.plan - take_plan
        self.model.purchased_free += r.purchased - (actual - take_plan)
        self.model.captured[key] = (take_plan, actual - take_plan, r.run)

    @precondition(lambda self: self.model.open)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.open)))
        r = self.model.open.pop(key)
        res = self.ledger.find_reservation(key)
        self.ledger.release(res, "no data")
        self.ledger.release(res, "replay")
        self.model.plan_free += r.plan
        self.model.purchased_free += r.purchased

    @precondition(lambda self: set(self.model.captured) - self.model.refunded)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(set(self.model.captured) - self.model.refunded)))
        self.ledger.refund(f"{key}:capture", "invalid")
        self.ledger.refund(f"{key}:capture", "replay")
        p, q, _ = self.model.captured[key]
        self.model.plan_free += p
        self.model.purchased_free += q
        self.model.refunded.add(key)

    @rule()
    def batch_rolled_back(self) -> None:
        """Captures inside a transaction whose cell writes fail leave no trace."""
        with pytest.raises(RuntimeError), self.ws.transaction():
            for key in sorted(self.model.open):
                self.ledger.capture(self.ledger.find_reservation(key), 0)
            self.ledger.purchase(7)
            ctx = SpendContext(1, 1, 0, "hunter", 1)
            self.ledger.reserve(1, self.key(), context=ctx, caps=Caps(run_max=10**9))
            raise RuntimeError("cell write failed")

    @rule(mid_batch=st.booleans())
    def crash(self, mid_batch: bool) -> None:
        """The process dies (maybe inside a batch): reopen, verify releases abandoned holds."""
        if mid_batch:  # dies inside a transaction: nothing of it may survive
            with pytest.raises((sqlite3.ProgrammingError, psycopg.Error)), self.ws.transaction():
                for key in sorted(self.model.open):
                    self.ledger.capture(self.ledger.find_reservation(key), 0)
                self.ledger.purchase(11)
                self.ws.close()
        else:
            self.ws.close()
        self.ws = Workspace.open(self.settings[self.wanted], self.clock)
        self.ledger = Ledger(self.ws)
        self.model.renew_until(self.clock.now(), self.wanted)
        report = verify(self.ledger, alive=lambda pid: False)
        assert report.ok, report.checks
        assert bool(report.actions) == bool(self.model.open)
        for r in self.model.open.values():
            self.model.plan_free += r.plan
            self.model.purchased_free += r.purchased
        self.model.open.clear()

    # ------------------------------------------------------------ invariants
    @invariant()
    def balance_matches_model_and_sum(self) -> None:
        m = self.model
        b = self.ledger.balance()
        total = self.ws.db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger").fetchone()[0]
        assert b.available == total == m.plan_free + m.purchased_free
        assert b.reserved == m.held("plan") + m.held("purchased")
        assert b.plan == m.plan_free + m.held("plan")
        assert b.purchased == m.purchased_free + m.held("purchased")
        assert m.plan_free >= 0 and m.purchased_free >= 0

    @invariant()
    def verify_holds(self) -> None:
        report = verify(self.ledger, repair=False, alive=lambda pid: True)
        assert report.ok, [c for c in report.checks if not c.ok]

    @invariant()
    def usage_accounts_for_every_spent_credit(self) -> None:
        m = self.model
        net = sum(p + q for k, (p, q, _) in m.captured.items() if k not in m.refunded)
        assert usage(self.ws.db, "run").net == net


def machine_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=False,
    )


def test_ledger_state_machine(backend: str, request: pytest.FixtureRequest) -> None:
    """Both back ends; PostgreSQL with fewer examples (a round trip per statement), all 100
    with CLAY_TUI_NIGHTLY=1."""
    if backend == "sqlite":
        run_state_machine_as_test(LedgerMachine, settings=machine_settings(100))
        return
    server = request.getfixturevalue("pg_server")

    class PgLedgerMachine(LedgerMachine):
        make_url = staticmethod(server.create_schema)

    examples = 100 if os.environ.get("CLAY_TUI_NIGHTLY") == "1" else 8
    run_state_machine_as_test(PgLedgerMachine, settings=machine_settings(examples))
