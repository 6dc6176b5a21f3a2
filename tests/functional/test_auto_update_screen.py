"""Turning auto-update on from the table menu asks first and shows what it will do
(issue 8, item 3): columns, the input and condition columns that trigger them, the most
a new or edited row can cost, the daily cap."""

from __future__ import annotations

from textual.widgets import Button, OptionList, Static

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.auto_update_screen import AutoUpdateScreen
from tests.functional.driving import SIZE, grid_of, press, said, screen_of, settle


async def open_confirm(pilot) -> AutoUpdateScreen:
    await settle(pilot)
    await press(pilot, "t", "end", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, AutoUpdateScreen)
    return screen


async def test_turning_auto_update_on_shows_what_it_will_do(sb_ws, sb_table, email_column) -> None:
    enrich_service.add_column(
        sb_ws,
        sb_table,
        enrich_service.ColumnSpec(
            name="Domain", action="normalize_domain", inputs={"value": "company"}
        ),
    )
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_confirm(pilot)
        body = str(screen.query_one("#au-body", Static).render())
        assert (
            "Work Email: inputs first_name, last_name, company; condition country; "
            "up to 6 credits a row." in body
        )
        assert "Domain: inputs company; free." in body
        assert (
            "At most 6 credits per new or edited row (2 columns on); daily cap 200 credits" in body
        )
        await press(pilot, "enter")  # Cancel has the focus: Enter changes nothing
        assert not isinstance(app.screen, AutoUpdateScreen)
        assert not table_service.table_auto_update(sb_ws, sb_table)
        screen = await open_confirm(pilot)
        screen.query_one("#au-on", Button).press()
        await settle(pilot)
        assert table_service.table_auto_update(sb_ws, sb_table)
        assert "auto-update on" in screen_of(app).status.text
        assert any("at most 6 credits per new or edited row" in m for m in said(app))


def test_auto_update_screen_snapshot(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await open_confirm(pilot)
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)


async def test_column_menu_says_what_a_column_will_do_when_turned_on(
    sb_ws, sb_table, email_column
) -> None:
    enrich_service.set_column_auto_update(sb_ws, sb_table, email_column.name, False)
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(email_column.name)
        await press(pilot, "m")
        menu = app.screen.query_one(OptionList)
        menu.highlighted = menu.get_option_index("auto_update")
        await press(pilot, "enter")
        assert enrich_service.get_column(sb_ws, sb_table, email_column.name).auto_update
        notes = said(app)
        assert any(
            "Auto-update of Work Email on (the table's switch is off" in n
            and "runs on new rows and when first_name, last_name, company; condition "
            "country change; up to 6 credits a row."
            in n
            for n in notes
        ), notes


async def test_the_header_shows_each_enrichment_columns_own_switch(
    sb_ws, sb_table, email_column
) -> None:
    """Issue 8: the header shows each enrichment column's auto-update state (the status bar
    says the table's): 'auto off' under its name, 'auto on' once the column menu turns it on."""
    enrich_service.set_column_auto_update(sb_ws, sb_table, email_column.name, False)
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        grid.move_to_column(email_column.name)
        await settle(pilot)
        type_line = grid.render_line(1).text
        assert "text · auto off" in type_line, type_line
        assert type_line.count("auto") == 1  # data columns have no switch
        await press(pilot, "m")
        menu = app.screen.query_one(OptionList)
        menu.highlighted = menu.get_option_index("auto_update")
        await press(pilot, "enter")
        await settle(pilot)
        assert "text · auto on" in grid.render_line(1).text
