"""New table from a search: the screen counts first, then builds with a progress bar; stop
keeps what arrived; reachable from the table menu and the command palette."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Button, Input, ProgressBar

from clay_tui.services import tables
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.new_table_search_screen import NewTableSearchScreen

SIZE = (110, 40)


class ScreenApp(App[None]):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws
        self.messages: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(NewTableSearchScreen(self.ws))

    def notify(self, message: str, *, severity: str = "information", **kwargs) -> None:
        self.messages.append((message, severity))
        super().notify(message, severity=severity, **kwargs)


def fill(screen, **values: str) -> None:
    for key, value in values.items():
        screen.query_one(f"#ns-{key}", Input).value = value


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


async def count_vp_sales(pilot) -> None:
    await pilot.pause()
    fill(pilot.app.screen, title="VP of Sales", country="US", industry="SaaS", size="51-200")
    await pilot.click("#ns-count")
    await settle(pilot)


def test_new_table_search_snapshot(snap_compare, sb_ws) -> None:
    assert snap_compare(ScreenApp(sb_ws), terminal_size=SIZE, run_before=count_vp_sales)


async def test_count_then_build_pages_into_a_table(sb_ws) -> None:
    app = ScreenApp(sb_ws)
    async with app.run_test(size=SIZE) as pilot:
        await count_vp_sales(pilot)
        screen = app.screen
        assert screen.plan is not None and screen.plan.pages == 16
        assert not screen.query_one("#ns-build", Button).disabled
        fill(screen, into="vp_sales")
        await pilot.click("#ns-build")
        await settle(pilot)
        bar = screen.query_one("#ns-progress", ProgressBar)
        assert (bar.progress, bar.total) == (16, 16)
        assert screen.result is not None and screen.result.added == 384
        assert "New table vp_sales: 384 people added" in app.messages[-1][0]
    assert tables.find_table(sb_ws, "vp_sales").row_count == 384


async def test_stop_keeps_what_arrived(sb_ws) -> None:
    app = ScreenApp(sb_ws)
    async with app.run_test(size=SIZE) as pilot:
        await count_vp_sales(pilot)
        screen = app.screen
        fill(screen, into="stopped")
        await pilot.click("#ns-build")  # pages come at Prospeo's 5 a second: time to stop
        await pilot.pause(0.6)
        await pilot.click("#ns-stop")
        await settle(pilot)
        result = screen.result
        assert result is not None and result.stopped
        assert 1 <= result.pages < 16 and result.added == 25 * result.pages
    assert tables.find_table(sb_ws, "stopped").row_count == result.added


async def test_errors_are_one_sentence(sb_ws) -> None:
    app = ScreenApp(sb_ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#ns-count")
        await settle(pilot)
        assert "Say whom to find" in app.messages[-1][0]
        fill(app.screen, seniority="Boss")
        # pressed, not clicked: a second click within the button's 0.2 s active effect is lost
        app.screen.query_one("#ns-count", Button).press()
        await settle(pilot)
        text, severity = app.messages[-1]
        assert severity == "error" and "`Boss` is not supported" in text


async def test_reachable_from_the_table_menu_and_the_palette(sb_ws, sb_table) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        menu = app.screen
        menu.dismiss("new_table_search")
        for _ in range(4):
            await pilot.pause()
        assert isinstance(app.screen, NewTableSearchScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NewTableSearchScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"New table from a search")
        await pilot.pause(0.3)
        await pilot.press("enter")
        for _ in range(4):
            await pilot.pause()
        assert isinstance(app.screen, NewTableSearchScreen)
