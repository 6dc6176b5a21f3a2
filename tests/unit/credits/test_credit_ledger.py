"""The spend API: reserve, capture, release, refund, caps, idempotency, transactions."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from credit_helpers import ctx, ledger_sum

from clay_tui.credits import Caps, Ledger, LedgerError
from clay_tui.errors import InsufficientCredits
from clay_tui.workspace.backend import has_table


@pytest.fixture
def ledger(workspace) -> Ledger:
    return Ledger(workspace)


def test_new_workspace_gets_the_plan_grant(ledger: Ledger, workspace) -> None:
    b = ledger.balance()
    assert (b.plan, b.purchased, b.reserved, b.available) == (2000, 0, 0, 2000)
    assert ledger_sum(workspace) == 2000


def test_reserve_holds_and_capture_charges_only_actual(ledger: Ledger, workspace) -> None:
    res = ledger.reserve(5, "cell:1", context=ctx())
    b = ledger.balance()
    assert (b.plan, b.reserved, b.available) == (2000, 5, 1995)
    ledger.capture(res, 2)
    b = ledger.balance()
    assert (b.plan, b.reserved, b.available) == (1998, 0, 1998)
    assert ledger_sum(workspace) == b.available


def test_release_returns_the_hold(ledger: Ledger) -> None:
    res = ledger.reserve(7, "cell:1", context=ctx())
    ledger.release(res, "no data")
    ledger.release(res, "again")  # idempotent
    assert ledger.balance().available == 2000
    assert ledger.balance().reserved == 0


def test_replays_are_idempotent(ledger: Ledger, workspace) -> None:
    res = ledger.reserve(3, "k", context=ctx())
    assert ledger.reserve(3, "k", context=ctx()) == res
    first = ledger.capture(res, 3)
    assert ledger.capture(res, 3) == first
    assert ledger.capture(res, 3, key="other-key") == first  # a hold is settled once
    ledger.refund("k:capture", "invalid")
    ledger.refund("k:capture", "invalid")
    ledger.release(res)  # already captured: nothing happens
    assert ledger.balance().available == 2000
    kinds = [r[0] for r in workspace.db.execute("SELECT kind FROM ledger ORDER BY id")]
    assert kinds == ["grant", "reserve", "release", "capture", "refund"]


def test_find_reservation_after_restart(ledger: Ledger, workspace) -> None:
    res = ledger.reserve(4, "run1:row9", context=ctx(9))
    again = Ledger(workspace).find_reservation("run1:row9")
    assert again == res
    assert ledger.find_reservation("nope") is None


def test_capture_bounds_and_released_hold(ledger: Ledger) -> None:
    res = ledger.reserve(2, "k", context=ctx())
    with pytest.raises(ValueError):
        ledger.capture(res, 3)
    with pytest.raises(ValueError):
        ledger.capture(res, -1)
    ledger.release(res)
    with pytest.raises(LedgerError, match="already released"):
        ledger.capture(res, 1)
    with pytest.raises(LedgerError):
        ledger.refund("missing", "x")


def test_insufficient_credits_names_no_cap(ledger: Ledger) -> None:
    with pytest.raises(InsufficientCredits) as err:
        ledger.reserve(2001, "k", context=ctx())
    assert err.value.cap is None
    assert "2000 are available" in str(err.value)
    assert ledger.balance().available == 2000


def test_spending_takes_plan_first_then_purchased(ledger: Ledger, workspace) -> None:
    ledger.purchase(10)
    res = ledger.reserve(1995, "a", context=ctx())
    ledger.capture(res, 1995)
    res = ledger.reserve(8, "b", context=ctx(2))  # 5 from plan, 3 from purchased
    b = ledger.balance()
    assert (b.reserved_plan, b.reserved_purchased, b.available) == (5, 3, 7)
    ledger.capture(res, 6)  # plan part charged first
    b = ledger.balance()
    assert (b.plan, b.purchased, b.reserved, b.available) == (0, 9, 0, 9)
    ledger.refund("b:capture", "invalid email")
    b = ledger.balance()
    assert (b.plan, b.purchased) == (5, 10)
    assert ledger_sum(workspace) == b.available


def test_split_reservation_released_and_found(ledger: Ledger) -> None:
    ledger.purchase(10)
    ledger.capture(ledger.reserve(1999, "a", context=ctx()), 1999)
    res = ledger.reserve(4, "b", context=ctx(2))
    assert ledger.find_reservation("b") == res and res.amount == 4
    ledger.release(res)
    b = ledger.balance()
    assert (b.plan, b.purchased, b.reserved) == (1, 10, 0)


@pytest.mark.parametrize(
    ("caps", "cap"),
    [(Caps(run_max=10), "run"), (Caps(column_limit=10), "column"), (Caps(table_limit=10), "table")],
)
def test_caps_name_the_cap(ledger: Ledger, caps: Caps, cap: str) -> None:
    for i in range(3):
        ledger.capture(ledger.reserve(3, f"k{i}", context=ctx(i), caps=caps), 3)
    ledger.reserve(1, "k3", context=ctx(3), caps=caps)  # 9 + 1 held = 10: allowed
    with pytest.raises(InsufficientCredits) as err:
        ledger.reserve(1, "k4", context=ctx(4), caps=caps)
    assert err.value.cap == cap
    ledger.refund("k0:capture", "invalid")  # refunds free room under the cap
    ledger.reserve(3, "k5", context=ctx(5), caps=caps)


def test_caps_only_count_their_scope(ledger: Ledger) -> None:
    ledger.capture(ledger.reserve(9, "other", context=ctx(1, table=2, column=5, run=2)), 9)
    caps = Caps(run_max=5, column_limit=5, table_limit=5)
    ledger.reserve(5, "mine", context=ctx(1), caps=caps)


def test_captures_join_the_callers_transaction(ledger: Ledger, workspace) -> None:
    res = ledger.reserve(2, "k", context=ctx())
    with pytest.raises(RuntimeError), workspace.transaction():
        ledger.capture(res, 2)
        assert ledger.balance().available == 1998  # seen inside the transaction
        raise RuntimeError("the cell write failed")
    b = ledger.balance()
    assert (b.reserved, b.available) == (2, 1998)  # still held, not charged
    with workspace.transaction():
        for i in range(50):
            ledger.capture(ledger.reserve(1, f"batch{i}", context=ctx(i)), 1)
    assert ledger.balance().available == 1998 - 50
    assert ledger_sum(workspace) == ledger.balance().available


def test_running_totals_survive_rollbacks_with_reused_ids(ledger: Ledger, workspace) -> None:
    for attempt in range(3):
        with pytest.raises(RuntimeError), workspace.transaction():
            ledger.purchase(100 + attempt)
            ledger.balance()
            raise RuntimeError
    ledger.purchase(7)
    assert ledger.balance().available == 2007 == ledger_sum(workspace)


def test_other_processes_entries_are_seen(ledger: Ledger, workspace, settings, clock) -> None:
    from clay_tui.workspace import Workspace

    ledger.balance()
    other = Workspace.open(settings, clock)
    Ledger(other).purchase(50)
    other.close()
    assert ledger.balance().available == 2050


def test_ledger_is_append_only(ledger: Ledger, workspace) -> None:
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
        workspace.db.execute("UPDATE ledger SET amount = 1")
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
        workspace.db.execute("DELETE FROM ledger")


@pytest.mark.parametrize("bad", [0, -5, True, 2.5, "10"])
def test_purchase_rejects_bad_amounts(ledger: Ledger, bad: object) -> None:
    with pytest.raises(LedgerError):
        ledger.purchase(bad)  # type: ignore[arg-type]


def test_adjustment_cannot_make_a_bucket_negative(ledger: Ledger) -> None:
    with pytest.raises(LedgerError):
        ledger.adjust(-1, "purchased", "adj1", "oops")
    ledger.adjust(-10, "plan", "adj2", "goodwill reversal")
    assert ledger.balance().available == 1990


def test_cap_totals_survive_a_rolled_back_batch(ledger: Ledger, workspace) -> None:
    caps = Caps(run_max=10)
    ledger.capture(ledger.reserve(4, "a", context=ctx(1), caps=caps), 4)
    with pytest.raises(RuntimeError), workspace.transaction():
        ledger.capture(ledger.reserve(5, "b", context=ctx(2), caps=caps), 5)
        assert ledger.committed("run", (1,)) == 9
        raise RuntimeError
    assert ledger.committed("run", (1,)) == 4
    ledger.reserve(6, "c", context=ctx(3), caps=caps)
    with pytest.raises(InsufficientCredits):
        ledger.reserve(1, "d", context=ctx(4), caps=caps)


def test_first_ledger_inside_a_transaction_keeps_it_open(workspace) -> None:
    with pytest.raises(RuntimeError), workspace.transaction():
        workspace.db.execute("CREATE TABLE probe (x INTEGER)")
        Ledger(workspace).purchase(5)
        raise RuntimeError
    assert not has_table(workspace.db, "probe")  # all rolled back together
    assert not has_table(workspace.db, "ledger")
    assert Ledger(workspace).balance().available == 2000


def test_a_ledger_whose_plan_setup_rolled_back_sets_it_up_again(workspace) -> None:
    from clay_tui.credits import plans

    with pytest.raises(RuntimeError), workspace.transaction():
        ledger = Ledger(workspace)
        assert ledger.balance().available == 2000
        raise RuntimeError
    assert ledger.balance().available == 2000
    assert plans.read_state(ledger) is not None
