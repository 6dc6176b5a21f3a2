"""Edit and remove an enrichment column from the TUI (column menu, e, D, R)."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input, OptionList, Static

from clay_tui.services import credits as credits_service
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.column_menu import ColumnMenu, column_menu_items
from clay_tui.ui.screens.edit_column_screen import EditColumnScreen, parse_limit
from clay_tui.ui.screens.popup_menu import PopupMenu
from tests.functional.driving import EMAIL, SIZE, grid_of, press, said, screen_of, settle


def make(sb_ws, sb_table, email_column):
    return ClayApp(sb_ws, sb_table)


async def choose(pilot, option_id: str) -> None:
    menu = pilot.app.screen.query_one(OptionList)
    menu.highlighted = menu.get_option_index(option_id)
    await press(pilot, "enter")


def field(app, ident: str) -> Input:
    return app.screen.query_one(ident, Input)


def test_menu_offers_edit_only_for_enrichment_columns() -> None:
    assert ("edit", "Edit column…  (e)") in column_menu_items(EMAIL, True)
    assert all(i is None or i[0] != "edit" for i in column_menu_items("company", None))


def test_spend_limit_field() -> None:
    assert parse_limit(" ") is None and parse_limit("1,500") == 1500
    try:
        parse_limit("lots")
    except Exception as exc:  # noqa: BLE001
        assert str(exc) == "The spend limit must be a whole number of credits, not 'lots'."
    else:
        raise AssertionError("no error")


async def test_edit_from_the_column_menu(sb_ws, sb_table, email_column) -> None:
    app = make(sb_ws, sb_table, email_column)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "m", "e")  # the menu's "Edit column…  (e)"
        assert isinstance(app.screen, EditColumnScreen)
        assert field(app, "#edit-condition").value == "country <> 'JP'"
        # a bad condition: one sentence under the form, nothing saved
        field(app, "#edit-condition").value = "nope = 1"
        await press(pilot, "enter")
        error = str(app.screen.query_one("#edit-error", Static).render())
        assert isinstance(app.screen, EditColumnScreen) and "condition" in error
        assert error.count(".") >= 1 and "\n" not in error.strip()
        assert enrich_service.get_column(sb_ws, sb_table, EMAIL).condition == "country <> 'JP'"
        # a good edit: rename, clear the condition, limit, auto-update off
        field(app, "#edit-name").value = "Email"
        field(app, "#edit-condition").value = ""
        field(app, "#edit-limit").value = "25"
        app.screen.query_one("#edit-auto", Checkbox).value = False
        app.screen.query_one("#edit-save", Button).press()
        await settle(pilot)
        assert not isinstance(app.screen, EditColumnScreen)
        spec = enrich_service.get_column(sb_ws, sb_table, "Email")
        assert (spec.condition, spec.spend_limit, spec.auto_update) == (None, 25, False)
        assert "Email" in grid_of(app).columns and EMAIL not in grid_of(app).columns
        assert grid_of(app).current_column == "Email"
        # e on a plain column says there is nothing to edit
        grid_of(app).move_to_column("company")
        await press(pilot, "e")
        assert not isinstance(app.screen, EditColumnScreen)
        assert any("not an enrichment column" in m for m in said(app))


async def test_escape_cancels_the_edit(sb_ws, sb_table, email_column) -> None:
    app = make(sb_ws, sb_table, email_column)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "R")  # renaming an enrichment column opens its edit form
        assert isinstance(app.screen, EditColumnScreen)
        field(app, "#edit-name").value = "Changed"
        await press(pilot, "escape")
        assert not isinstance(app.screen, EditColumnScreen)
        assert enrich_service.get_column(sb_ws, sb_table, EMAIL).name == EMAIL


async def test_delete_removes_the_whole_enrichment_after_a_yes(
    sb_ws, sb_table, email_column
) -> None:
    await enrich_service.run_column(sb_ws, sb_table, EMAIL, enrich_service.RowSelection("all"))
    spent = credits_service.usage_report(sb_ws, "column").rows
    assert spent and spent[0].spent > 0
    outputs = set(email_column.outputs.values())
    app = make(sb_ws, sb_table, email_column)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "D")
        assert isinstance(app.screen, PopupMenu)
        assert "(no undo)" in dict(i for i in app.screen.items if i)["remove"]
        await choose(pilot, "keep")
        assert EMAIL in sb_table.columns
        # from the column menu this time
        await press(pilot, "m")
        assert isinstance(app.screen, ColumnMenu)
        await choose(pilot, "delete")
        await choose(pilot, "remove")
        assert not outputs & set(sb_table.columns)
        assert not outputs & set(grid_of(app).columns)
        assert enrich_service.list_columns(sb_ws, sb_table) == []
        await press(pilot, "ctrl+z")  # undo cannot bring the outputs back
        assert not outputs & set(sb_table.columns)
        assert any("Removed enrichment column" in m for m in said(app))
        screen_of(app)  # the table screen is still there
    assert credits_service.usage_report(sb_ws, "column").rows == spent
    assert credits_service.verify_credits(sb_ws, repair=False).ok


def test_edit_column_screen_snapshot(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        grid_of(pilot.app).move_to_column(EMAIL)
        await pilot.press("e")
        await settle(pilot)
        pilot.app.screen.query_one("#edit-condition", Input).value = "country = "
        pilot.app.screen.query_one("#edit-save", Button).press()
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)
