"""Column menu (right-click and key), table menu, help screen, command palette."""

from __future__ import annotations

from textual.widgets import Button

from clay_tui.services import tables as table_service
from clay_tui.ui.screens.auto_update_screen import AutoUpdateScreen
from clay_tui.ui.screens.column_menu import ColumnMenu
from clay_tui.ui.screens.columns_screen import ColumnsScreen
from clay_tui.ui.screens.help_screen import HelpScreen
from clay_tui.ui.screens.plans_billing_screen import PlansBillingScreen
from clay_tui.ui.screens.table_menu import TableMenu
from tests.functional.driving import SIZE, cell, grid_of, press, screen_of, settle, type_text


def header_x(app, column: str) -> int:
    grid = grid_of(app)
    return grid.row_gutter + grid.column_offsets[grid.columns.index(column)] + 1


async def test_right_click_on_header_opens_that_columns_menu(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(grid_of(app), offset=(header_x(app, "company"), 0), button=3)
        await settle(pilot)
        assert isinstance(app.screen, ColumnMenu)
        assert app.screen.column == "company"
        await press(pilot, "down", "enter")  # Sort descending
        assert not isinstance(app.screen, ColumnMenu)
        assert screen_of(app).view.sort == ("company", True)


async def test_left_click_on_a_body_cell_does_not_open_the_menu(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(grid_of(app), offset=(header_x(app, "company"), 4), button=3)
        await settle(pilot)
        assert not isinstance(app.screen, ColumnMenu)


async def test_column_menu_by_key_hides_and_shows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right", "m")
        assert isinstance(app.screen, ColumnMenu)
        assert app.screen.column == "last_name"
        await press(pilot, "down", "down", "enter")  # Hide
        assert "last_name" not in grid_of(app).columns
        assert screen_of(app).view.hidden == {"last_name"}
        await press(pilot, "H")
        assert "last_name" in grid_of(app).columns


async def test_column_menu_items_are_chosen_by_their_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right", "m")
        assert isinstance(app.screen, ColumnMenu)
        await press(pilot, "S")  # the menu shows "Sort descending  (S)"
        assert not isinstance(app.screen, ColumnMenu)
        assert screen_of(app).view.sort == ("last_name", True)
        await press(pilot, "m", "x")  # no item has x: the menu stays open
        assert isinstance(app.screen, ColumnMenu)


async def test_column_menu_rename_and_delete(make_app, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right", "right", "m", "down", "down", "down", "enter")  # Rename…
        field = screen_of(app).prompt.query_one("#prompt-input")
        field.value = ""
        await type_text(pilot, "employer")
        await press(pilot, "enter")
        assert "employer" in small_table.columns
        assert cell(app)[1] == "employer"
        await press(pilot, "m", "end", "up", "enter")  # Delete column (above Run Info)
        assert "employer" not in small_table.columns
        assert "employer" not in grid_of(app).columns
        await press(pilot, "escape")


async def test_table_menu_toggles_auto_update(make_app, workspace, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = table_service.table_auto_update(workspace, small_table)
        await pilot.click("#hdr-menu")
        await settle(pilot)
        assert isinstance(app.screen, TableMenu)
        await press(pilot, "end", "enter")
        assert before is False  # a new table starts with auto-update off; turning it on asks
        assert isinstance(app.screen, AutoUpdateScreen)
        app.screen.query_one("#au-on", Button).press()
        await settle(pilot)
        assert table_service.table_auto_update(workspace, small_table) is True
        assert "auto-update on" in screen_of(app).status.text
        await pilot.click("#hdr-menu")
        await settle(pilot)
        await press(pilot, "end", "enter")  # turning it off asks nothing
        assert table_service.table_auto_update(workspace, small_table) is False
        assert "auto-update off" in screen_of(app).status.text


async def test_help_screen_lists_the_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_runs_an_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "end", "ctrl+p")
        await type_text(pilot, "descending")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert screen_of(app).view.sort == ("employees", True)


async def test_palette_finds_plans_and_billing_by_buy_credits(make_app) -> None:
    """Searching the palette for "buy credits" found nothing: the entry said only
    "Plans & Billing"."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "buy credits")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PlansBillingScreen)


async def test_table_menu_export_csv(make_app, tmp_path) -> None:
    app = make_app()
    out = tmp_path / "out" / "leads.csv"
    out.parent.mkdir()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "t", "down", "down", "down", "enter")  # Export CSV…
        field = screen_of(app).prompt.query_one("#prompt-input")
        assert field.value.endswith(".csv")
        field.value = str(out)
        await press(pilot, "enter")
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "first_name,last_name,company,country,employees"
    assert len(text.splitlines()) == 13


async def test_columns_screen_hides_and_shows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "h")  # hide first_name
        await press(pilot, "v")
        assert isinstance(app.screen, ColumnsScreen)
        await press(pilot, "space")  # first_name: shown again
        await press(pilot, "down", "space")  # last_name: hidden
        await press(pilot, "enter")
        assert not isinstance(app.screen, ColumnsScreen)
        assert screen_of(app).view.hidden == {"last_name"}
        assert grid_of(app).columns == ["first_name", "company", "country", "employees"]
        await press(pilot, "v", "escape")
        assert screen_of(app).view.hidden == {"last_name"}


def test_help_says_what_space_selection_is_for() -> None:
    from clay_tui.ui.keymap import KEYMAP

    space = next(k for k in KEYMAP if k.keys == "space")
    assert "Selected rows" in space.description and "d deletes" in space.description
