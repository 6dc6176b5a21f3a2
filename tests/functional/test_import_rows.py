"""Table menu > Add rows from a file…: new rows appended, changed cells updated, one undo;
with auto-update on exactly those rows run, labelled auto-update."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Static

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.import_rows_screen import ImportRowsScreen
from clay_tui.ui.screens.table_menu import TableMenu
from tests.functional.driving import EMAIL, SIZE, press, said, screen_of, settle

INCOMING = """first_name,last_name,company,country,employees
ana,Ng,Acme Corp,US,120
Ben,Smith,Globex,DE,46
Mia,Lopez,Pied Piper,US,30
"""


async def open_form(pilot) -> ImportRowsScreen:
    await press(pilot, "t")
    menu = pilot.app.screen
    assert isinstance(menu, TableMenu)
    menu.query_one("OptionList").highlighted = menu.query_one("OptionList").get_option_index(
        "import_rows"
    )
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, ImportRowsScreen)
    return pilot.app.screen


async def test_add_rows_from_a_file_runs_auto_update_on_them(
    sb_ws, sb_table, email_column, tmp_path
) -> None:
    table_service.set_table_auto_update(sb_ws, sb_table, True)
    path = tmp_path / "more.csv"
    path.write_text(INCOMING, encoding="utf-8")
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen_of(app).runs.delay_s = 0.05
        form = await open_form(pilot)
        assert form.query_one("#imp-file", Input).has_focus  # the first field typed into
        form.query_one("#imp-key", Input).value = "nope"
        form.query_one("#imp-file", Input).value = str(path)
        await press(pilot, "enter")
        assert "no column named 'nope'" in str(form.query_one("#imp-error", Static).render())
        form.query_one("#imp-key", Input).value = "first_name"
        await press(pilot, "enter")
        assert not isinstance(app.screen, ImportRowsScreen)
        assert sb_table.row_count == 13 and sb_table.row(1)["company"] == "Acme Corp"
        shown = " ".join(said(app))
        assert "1 new row(s) added, 2 row(s) updated" in shown
        assert f"Auto-update runs them: {EMAIL} 2 row(s) (up to" in shown
        for _ in range(40):
            await asyncio.sleep(0.05)
            await settle(pilot)
            if sb_ws.db.execute(
                "SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL"
            ).fetchone()[0]:
                break
        runs = sb_ws.db.execute("SELECT trigger, row_set FROM runs").fetchall()
        assert [tuple(r) for r in runs] == [("auto-update", "2 rows added or edited")]
        # Ana's company (an input) changed and Mia is new; Ben's employees is not an input
        assert set(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == {1, 13}
        # one undo takes the import back
        await press(pilot, "ctrl+z")
        assert sb_table.row_count == 12 and sb_table.row(1)["company"] == "Acme"
