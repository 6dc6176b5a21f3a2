"""Members on the report screens: Run Info and Credit usage group a team's spend by member
(snapshots, on a FixedClock workspace where ann and bob both spend)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from clay_tui.credits import Ledger, SpendContext
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.services.enrich import RowSelection
from clay_tui.ui.screens.credit_usage_screen import CreditUsageScreen
from clay_tui.ui.screens.run_info_screen import RunInfoScreen, run_info_text
from clay_tui.workspace import Workspace
from tests.functional.driving import EMAIL, SIZE
from tests.functional.test_credit_screens import ScreenApp, seed, settle


def _as(settings, clock, user: str) -> Workspace:
    return Workspace.open(dataclasses.replace(settings, user=user), clock)


@pytest.fixture
def team_ledger(settings, clock):
    """The credit screens' seed, spent by ann, and bob's charges on the same columns."""
    ann, bob = _as(settings, clock, "ann"), _as(settings, clock, "bob")
    seed(ann, clock)
    ledger = Ledger(bob)
    for row in range(1, 4):
        ctx = SpendContext(1, 10, 20 + row, "prospeo", 5, "find")
        ledger.capture(ledger.reserve(3, f"bob{row}", context=ctx), 3)
    yield ann
    ann.close()
    bob.close()


@pytest.fixture
def team_column(sandbox_settings, clock, small_csv):
    """A paid waterfall column: ann runs the first 3 rows, bob the next 2."""
    ann, bob = _as(sandbox_settings, clock, "ann"), _as(sandbox_settings, clock, "bob")
    table = table_service.open_table(ann, small_csv)
    spec = ColumnSpec(
        name=EMAIL,
        action="find_work_email",
        inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
        providers=["prospeo", "hunter"],  # the screen, not the default waterfall's depth
    )
    enrich_service.add_column(ann, table, spec)
    asyncio.run(enrich_service.run_column(ann, table, EMAIL, RowSelection("first", limit=3)))
    theirs = table_service.get_table(bob, table.id)
    asyncio.run(enrich_service.run_column(bob, theirs, EMAIL, RowSelection("first", limit=2)))
    table.refresh()
    yield ann, table
    ann.close()
    bob.close()


def test_credit_usage_by_member_snapshot(snap_compare, team_ledger) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#cu-by").active = "by-member"
        await settle(pilot)

    assert snap_compare(
        ScreenApp(lambda: CreditUsageScreen(team_ledger, 1)),
        terminal_size=(110, 36),
        run_before=before,
    )


def test_run_info_by_member_snapshot(snap_compare, team_column) -> None:
    ws, table = team_column
    text = run_info_text(ws, table, EMAIL)
    assert "by member" in text and "ann " in text and "bob " in text
    assert snap_compare(ScreenApp(lambda: RunInfoScreen(ws, table, EMAIL)), terminal_size=SIZE)
