"""Status bar credits, the optional billing screens, and ClayErrors as notifications."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console

from clay_tui.credits import Ledger, SpendContext
from clay_tui.errors import ClayError
from clay_tui.services.credits import CreditsSummary
from clay_tui.ui.screens.credit_usage_screen import CreditUsageScreen
from clay_tui.ui.screens.credits_popover import CreditsPopover
from clay_tui.ui.screens.plans_billing_screen import PlansBillingScreen
from clay_tui.ui.widgets import status_bar
from clay_tui.workspace import Workspace
from clay_tui.workspace import changes as workspace_changes
from tests.functional.driving import SIZE, grid_of, press, said, screen_of, settle


@pytest.mark.parametrize(
    ("available", "low", "source", "level"),
    [
        (1500, False, "ledger", "ok"),
        (120, True, "ledger", "low"),
        (0, True, "ledger", "empty"),
        (2000, False, "plan (config.toml)", "ok"),
    ],
)
async def test_credits_in_status_bar(make_app, monkeypatch, available, low, source, level) -> None:
    summary = CreditsSummary(available=available, plan_name="Starter", source=source, low=low)
    monkeypatch.setattr(status_bar.credits_service, "credits_summary", lambda ws: summary)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = screen_of(app).status
        assert status.credits_level == level
        assert f"{available:,} credits" in status.text
        assert ("(plan (config.toml))" in status.text) is (source != "ledger")


async def test_a_charge_shows_in_the_status_bar_without_a_poller(make_app, workspace) -> None:
    """Each ledger commit posts CreditsChanged: the bar shows it as soon as the messages are
    handled (no wall-clock wait, so no timer could have done it), from any thread."""
    ledger = Ledger(workspace)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = screen_of(app).status
        assert "2,000 credits" in status.text

        def charge(key: str, amount: int) -> None:
            ledger.capture(
                ledger.reserve(amount, key, context=SpendContext(1, 1, 1, "x", 1)), amount
            )

        charge("from-the-app-thread", 30)
        await pilot.pause()
        assert "1,970 credits" in status.text
        await asyncio.to_thread(charge, "from-a-worker", 70)  # as a run's worker does
        await pilot.pause()
        assert "1,900 credits" in status.text
        with workspace.transaction():  # a batch of charges is one commit, one message
            charge("batch-1", 1)
            charge("batch-2", 1)
        await pilot.pause()
        assert "1,898 credits" in status.text


async def test_credits_spent_by_another_process_reach_the_status_bar(
    make_app, workspace, monkeypatch
) -> None:
    monkeypatch.setattr(workspace_changes, "WATCH_INTERVAL", 0.05)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = screen_of(app).status
        other = Workspace.open(workspace.settings, workspace.clock)  # a CLI in another terminal
        try:
            Ledger(other).purchase(500)
        finally:
            other.close()
        for _ in range(100):
            await pilot.pause(0.05)
            if "2,500 credits" in status.text:
                break
        assert "2,500 credits" in status.text


async def test_clicking_credits_opens_the_summary_then_plans_and_billing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = screen_of(app).status
        await pilot.click(status, offset=(SIZE[0] - 3, 0))
        await settle(pilot)
        assert isinstance(app.screen, CreditsPopover)
        console = Console(width=60, record=True, file=io.StringIO())
        console.print(app.screen.numbers)
        numbers = console.export_text()
        assert "Available" in numbers and "2,000" in numbers and "Renews" in numbers
        await press(pilot, "b")
        assert isinstance(app.screen, PlansBillingScreen)
        app.pop_screen()
        await settle(pilot)
        await pilot.click(status, offset=(SIZE[0] - 3, 0))
        await settle(pilot)
        await press(pilot, "escape")
        assert app.screen is screen_of(app)


async def test_billing_and_usage_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        assert isinstance(app.screen, PlansBillingScreen)
        app.pop_screen()
        await settle(pilot)
        await press(pilot, "u")
        assert isinstance(app.screen, CreditUsageScreen)


async def test_a_stray_clay_error_becomes_a_notification(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def refuse(column: str) -> None:
            raise ClayError("That column cannot be hidden.")

        monkeypatch.setattr(screen_of(app).view, "hide", refuse)
        await press(pilot, "h")
        assert app.is_running
        assert any("cannot be hidden" in m for m in said(app))
        await press(pilot, "down")
        assert grid_of(app).cursor_row == 1
