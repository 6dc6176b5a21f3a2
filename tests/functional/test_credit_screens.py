"""Plans & Billing and Credit usage: snapshots and behaviour, on a FixedClock workspace.

Each test builds a small App that pushes the screen, over a workspace with some ledger
data (two tables, three columns, two providers, three days, a refund, a purchase, an
open reservation), so the SVGs are deterministic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, DataTable, Input, Static

from clay_tui.credits import Ledger, SpendContext
from clay_tui.services import credits as svc
from clay_tui.ui.screens.credit_usage_screen import CreditUsageScreen
from clay_tui.ui.screens.plans_billing_screen import PlansBillingScreen
from clay_tui.ui.widgets.credit_bar_chart import CreditBarChart, bar

SIZE = (110, 36)


def seed(ws, clock) -> None:
    db = ws.db
    db.execute("CREATE TABLE IF NOT EXISTS tables (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS enrich_columns (id INTEGER PRIMARY KEY,"
        " table_id INT, name TEXT)"
    )
    db.execute("INSERT OR IGNORE INTO tables VALUES (1, 'leads'), (2, 'accounts')")
    db.execute(
        "INSERT OR IGNORE INTO enrich_columns VALUES (10, 1, 'Work email'),"
        " (11, 1, 'Mobile'), (20, 2, 'Domain email')"
    )
    ledger = Ledger(ws)

    def spend(
        key: str,
        amount: int,
        actual: int,
        *,
        table: int,
        column: int,
        row: int,
        provider: str,
        run: int,
    ) -> None:
        ctx = SpendContext(table, column, row, provider, run, "find")
        ledger.capture(ledger.reserve(amount, key, context=ctx), actual)

    for row in range(1, 7):
        spend(f"a{row}", 2, 2, table=1, column=10, row=row, provider="hunter", run=1)
    clock.advance(days=1)
    for row in range(1, 4):
        spend(f"b{row}", 10, 10, table=1, column=11, row=row, provider="prospeo", run=2)
    spend("b4", 10, 0, table=1, column=11, row=4, provider="prospeo", run=2)
    ledger.refund("a3:capture", "email failed verification")
    clock.advance(days=1)
    for row in range(1, 5):
        spend(f"c{row}", 2, 2, table=2, column=20, row=row, provider="hunter", run=3)
    ledger.purchase(500, key="purchase:test")
    ledger.reserve(2, "open", context=SpendContext(1, 10, 9, "hunter", 4))


class ScreenApp(App[None]):
    def __init__(self, make_screen) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.animation_level = "none"  # the tabs' underline must not be caught mid-slide

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


@pytest.fixture
def seeded(workspace, clock):
    seed(workspace, clock)
    return workspace


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


# ---------------------------------------------------------------- snapshots
def test_plans_billing_snapshot(snap_compare, seeded) -> None:
    assert snap_compare(ScreenApp(lambda: PlansBillingScreen(seeded)), terminal_size=SIZE)


def test_plans_billing_confirm_snapshot(snap_compare, seeded) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#pb-amount", Input).value = "750"
        await pilot.click("#pb-buy")
        await settle(pilot)

    assert snap_compare(
        ScreenApp(lambda: PlansBillingScreen(seeded)), terminal_size=SIZE, run_before=before
    )


def test_credit_usage_table_snapshot(snap_compare, seeded) -> None:
    assert snap_compare(ScreenApp(lambda: CreditUsageScreen(seeded, 1)), terminal_size=SIZE)


def test_credit_usage_workspace_by_day_snapshot(snap_compare, seeded) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+s")
        pilot.app.screen.query_one("#cu-by").active = "by-day"
        await settle(pilot)

    assert snap_compare(
        ScreenApp(lambda: CreditUsageScreen(seeded, 1)), terminal_size=SIZE, run_before=before
    )


# ---------------------------------------------------------------- behaviour
class RecordingApp(ScreenApp):
    def __init__(self, make_screen) -> None:
        super().__init__(make_screen)
        self.messages: list[tuple[str, str]] = []

    def notify(self, message: str, *, severity: str = "information", **kwargs) -> None:
        self.messages.append((message, severity))
        super().notify(message, severity=severity, **kwargs)


def card(screen, ident: str) -> str:
    """A card's text as the user reads it."""
    from rich.console import Console

    console = Console(width=80, record=True)
    console.print(screen.query_one(ident, Static).content)
    return console.export_text()


async def test_buy_with_confirmation(seeded) -> None:
    before = svc.balance(seeded).available
    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#pb-amount", Input).has_focus  # type the amount straight away
        await pilot.press(*"1,250", "enter")
        await settle(pilot)
        assert screen.query_one("#pb-confirm").has_class("-shown")
        assert svc.balance(seeded).available == before  # nothing bought before confirming
        await pilot.press("enter")  # the Confirm button has focus
        await settle(pilot)
        assert svc.balance(seeded).available == before + 1250
        assert not screen.query_one("#pb-confirm").has_class("-shown")
        assert ["Purchased", "bucket", "1,750"] in [
            ln.split() for ln in card(screen, "#pb-balance").splitlines()
        ]
        assert app.messages[-1] == (
            f"Bought 1,250 credits; {before + 1250:,} available.",
            "information",
        )
        kinds = [screen.query_one("#pb-entries", DataTable).get_row_at(0)[2]]
        assert kinds == ["purchase"]


@pytest.mark.parametrize("text", ["-5", "abc", "0", ""])
async def test_bad_amount_is_a_notification(seeded, text: str) -> None:
    before = svc.balance(seeded).available
    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#pb-amount", Input).value = text
        await pilot.click("#pb-buy")
        await settle(pilot)
        assert app.messages == [
            (f"Credits to buy must be a positive whole number, not {text!r}.", "error")
        ]
        assert not app.screen.query_one("#pb-confirm").has_class("-shown")
    assert svc.balance(seeded).available == before


async def test_escape_cancels_then_closes(seeded) -> None:
    before = svc.balance(seeded).available
    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#pb-amount", Input).value = "40"
        await pilot.click("#pb-buy")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PlansBillingScreen)
        assert not app.screen.query_one("#pb-confirm").has_class("-shown")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PlansBillingScreen)
    assert svc.balance(seeded).available == before


async def test_numbers_follow_the_ledger_live(seeded) -> None:
    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ledger = Ledger(seeded)
        ledger.capture(ledger.reserve(100, "live", context=SpendContext(1, 10, 50, "x", 9)), 100)
        await pilot.pause()  # pushed by the commit: no timer to wait for
        text = card(app.screen, "#pb-balance")
        available = svc.balance(seeded).available
        assert text.split("\n")[0].split() == ["Available", f"{available:,}"]


async def test_usage_follows_the_ledger_live(seeded) -> None:
    app = RecordingApp(lambda: CreditUsageScreen(seeded, 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.screen.report.net
        ledger = Ledger(seeded)
        ctx = SpendContext(1, 10, 60, "hunter", 9)
        ledger.capture(ledger.reserve(5, "live-usage", context=ctx), 5)
        await pilot.pause()  # pushed by the commit: no timer to wait for
        assert app.screen.report.net == before + 5


async def test_usage_scope_grouping_dates_and_export(seeded, tmp_path: Path) -> None:
    app = RecordingApp(lambda: CreditUsageScreen(seeded, 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#cu-table", DataTable)

        def labels() -> list[str]:
            return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]

        assert labels() == ["leads / Mobile", "leads / Work email"]
        await pilot.click("#cu-scope")
        await settle(pilot)
        assert labels() == ["leads / Mobile", "leads / Work email", "accounts / Domain email"]
        screen.query_one("#cu-by").active = "by-provider"
        await settle(pilot)
        assert labels() == ["prospeo", "hunter"]
        chart = screen.query_one(CreditBarChart)
        assert chart.rows == [("prospeo", 30, 0), ("hunter", 18, 2)]
        since = screen.query_one("#cu-since", Input)
        since.value = "2026-11-17"
        await settle(pilot)
        assert labels() == ["hunter"]
        since.value = "2026-11-1"  # being typed: not a date yet, the report stays
        await settle(pilot)
        assert since.has_class("-invalid") and labels() == ["hunter"]
        screen.query_one("#cu-until", Input).value = "2026-11-15"
        await settle(pilot)
        assert labels() == ["hunter"]  # since is still 2026-11-17 > until: empty range
        assert app.messages[-1][1] == "error" and "empty" in app.messages[-1][0]
        since.value = ""
        await settle(pilot)
        assert labels() == ["hunter"]
        out = tmp_path / "exports" / "usage.csv"
        screen.query_one("#cu-path", Input).value = str(out)
        await pilot.click("#cu-export")
        await settle(pilot)
        assert out.read_text().splitlines()[1] == "hunter,hunter,12,0,12,6,0"
        assert app.messages[-1] == (f"Wrote 1 row(s) to {out}.", "information")
        (tmp_path / "file").write_text("x")
        screen.query_one("#cu-path", Input).value = str(tmp_path / "file" / "u.csv")
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.messages[-1][1] == "error" and "Cannot write" in app.messages[-1][0]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CreditUsageScreen)


async def test_usage_by_run_says_what_started_each_run(seeded) -> None:
    seeded.db.execute(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, table_id INT, column_id INT,"
        " started_at TEXT, row_set TEXT, trigger TEXT)"
    )
    seeded.db.execute(
        "INSERT INTO runs VALUES (1, 1, 10, '2026-11-15', 'first 10 rows', 'cli'),"
        " (2, 1, 11, '2026-11-16', '3 rows added or edited', 'auto-update'),"
        " (3, 2, 20, '2026-11-17', 'all rows', 'manual')"
    )
    app = ScreenApp(lambda: CreditUsageScreen(seeded, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#cu-by").active = "by-run"
        await settle(pilot)
        table = app.screen.query_one("#cu-table", DataTable)
        rows = {
            str(table.get_row_at(i)[0]).split(":")[0]: [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert [c.label.plain for c in table.columns.values()][:3] == ["Run", "started by", "rows"]
        assert rows["run 2"][1:3] == ["auto-update", "3 rows added or edited"]
        assert rows["run 1"][1:3] == ["cli", "first 10 rows"]
        assert rows["run 3"][1:3] == ["manual", "all rows"]


async def test_usage_without_a_table_is_workspace_wide(seeded) -> None:
    app = RecordingApp(lambda: CreditUsageScreen(seeded, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#cu-scope", Button).disabled
        assert app.screen.query_one("#cu-table", DataTable).row_count == 3


def test_bar_lengths() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 80, 4) == "▏"  # never less than an eighth
    assert bar(8, 80, 4) == "▍"
    assert bar(0, 10, 4) == "" and bar(3, 0, 4) == ""


async def test_app_keys_open_both_screens(make_app, workspace) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PlansBillingScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, CreditUsageScreen)
        assert app.screen.table_id == app.table.id
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CreditUsageScreen)


async def test_an_amount_too_large_is_rejected_before_the_confirmation(seeded) -> None:
    """`99999999999999999999` asked for confirmation, then was rejected."""
    before = svc.balance(seeded).available
    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#pb-amount", Input).value = "99999999999999999999"
        await pilot.click("#pb-buy")
        await settle(pilot)
        assert app.messages == [("Buy at most 10,000,000 credits at a time.", "error")]
        assert not app.screen.query_one("#pb-confirm").has_class("-shown")
    assert svc.balance(seeded).available == before


# ---------------------------------------------------------------- credits calculator
def test_credits_calculator_snapshot(snap_compare, seeded) -> None:
    from clay_tui.ui.screens.credits_calculator_screen import CreditsCalculatorScreen

    async def before(pilot) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#cc-rows", Input).value = "1200"
        screen.query_one("#cc-columns", Input).value = "find_work_email, verify_email"
        await pilot.click("#cc-go")
        await settle(pilot)

    assert snap_compare(
        ScreenApp(lambda: CreditsCalculatorScreen(seeded)), terminal_size=SIZE, run_before=before
    )


async def test_calculator_opens_from_plans_billing_and_agrees_with_the_cli(seeded) -> None:
    from clay_tui.services import calculator
    from clay_tui.ui.screens.credits_calculator_screen import CreditsCalculatorScreen

    app = RecordingApp(lambda: PlansBillingScreen(seeded))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CreditsCalculatorScreen)
        screen.query_one("#cc-rows", Input).value = "300"
        screen.query_one("#cc-columns", Input).value = "Nope"
        await pilot.press("enter")
        await settle(pilot)
        assert app.messages[-1][1] == "error" and "Unknown column 'Nope'" in app.messages[-1][0]
        screen.query_one("#cc-columns", Input).value = "find_work_email"
        await pilot.press("enter")
        await settle(pilot)
        want = calculator.calculate(
            seeded, 300, calculator.resolve_specs(seeded, ["find_work_email"], None)
        )
        assert screen.calculation is not None
        assert screen.calculation.as_dict() == want.as_dict()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PlansBillingScreen)
