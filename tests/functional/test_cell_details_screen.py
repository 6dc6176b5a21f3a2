"""Enter on an enrichment cell explains it (value, state and why, attempts and credits);
e edits from there, y copies the value; the status bar shows the row id; TUI runs are
recorded as started "manual"."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from clay_tui.services import enrich as enrich_service
from clay_tui.services.enrich import RowSelection
from clay_tui.ui.app import ClayApp
from clay_tui.ui.components.prompts import EditCell
from clay_tui.ui.screens.cell_details_screen import CellDetailsScreen
from tests.functional.driving import EMAIL, SIZE, grid_of, press, screen_of, settle


async def run_first_ten(pilot, spec) -> None:
    await settle(pilot)
    screen_of(pilot.app).enrichment.run_chosen(spec, (RowSelection("first", limit=10), None))
    await settle(pilot)
    await asyncio.sleep(0.05)
    await settle(pilot)
    pilot.app.clear_notifications()


def body(app) -> str:
    from rich.console import Console

    from clay_tui.ui.screens.cell_details_screen import details_body

    assert app.screen.query_one("#cell-details-body", Static)
    console = Console(width=100, record=True, color_system=None)
    with console.capture() as cap:
        console.print(details_body(app.screen.details))
    return cap.get()


async def test_enter_explains_an_enrichment_cell(sb_ws, sb_table, email_column) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await run_first_ten(pilot, email_column)
        runs = sb_ws.db.execute("SELECT trigger FROM runs").fetchall()
        assert [r[0] for r in runs] == ["manual"]
        states = enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)
        found = next(r for r, s in states.items() if s == "found")
        grid = grid_of(app)
        grid.move_to_column(EMAIL)
        grid.move_cursor(row=found - 1)
        await settle(pilot)
        assert f"(id {found})" in screen_of(app).status.text
        await press(pilot, "enter")
        assert isinstance(app.screen, CellDetailsScreen)
        details = enrich_service.cell_details(sb_ws, sb_table, EMAIL, found)
        text = body(app)
        assert "found" in text and details.provider in text
        assert f"{details.ledger_net} net" in text and "manual" in text
        assert "email_verifier" in text  # every attempt, in waterfall order
        await press(pilot, "y")
        assert app.clipboard == sb_table.row(found)[EMAIL]
        await press(pilot, "e")  # edit from the details
        prompt = screen_of(app).prompt
        assert not isinstance(app.screen, CellDetailsScreen)
        assert prompt.is_open and prompt.request == EditCell(found, EMAIL)
        await press(pilot, "escape")
        # the skipped row says which condition skipped it
        grid.move_cursor(row=7)  # Hana, in Japan
        await settle(pilot)
        await press(pilot, "enter")
        assert "its condition is not met (country <> 'JP')" in body(app)
        await press(pilot, "escape")
        assert not isinstance(app.screen, CellDetailsScreen)
        # a plain column: Enter edits straight away
        grid.move_to_column("company")
        await settle(pilot)
        await press(pilot, "enter")
        assert not isinstance(app.screen, CellDetailsScreen)
        assert isinstance(screen_of(app).prompt.request, EditCell)


def test_cell_details_snapshot(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await run_first_ten(pilot, email_column)
        grid = grid_of(pilot.app)
        grid.move_to_column(EMAIL)
        grid.move_cursor(row=0)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)
