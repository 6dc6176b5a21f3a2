"""SVG snapshots of the Run Info screen (after a test run), the run dialog and the
add-column form, on the zero-latency sandbox with a FixedClock and a fixed size."""

from __future__ import annotations

import asyncio

from textual.widgets import Select

from clay_tui.services.enrich import RowSelection
from clay_tui.ui.app import ClayApp
from tests.functional.driving import EMAIL, SIZE, grid_of, screen_of, settle


def test_run_info_screen(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        screen_of(pilot.app).enrichment.run_chosen(
            email_column, (RowSelection("first", limit=10), None)
        )
        await settle(pilot)
        await asyncio.sleep(0.05)
        await settle(pilot)
        pilot.app.clear_notifications()
        grid_of(pilot.app).move_to_column(EMAIL)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)


def test_run_dialog(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        grid_of(pilot.app).move_to_column(EMAIL)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)


def test_add_column_screen(snap_compare, sb_ws, sb_table) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        pilot.app.screen.query_one("#action", Select).value = "find_work_email"
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)


def test_run_dialog_test_selection(snap_compare, sb_ws, sb_table) -> None:
    """A new column whose condition leaves 4 rows: the default is a test run of exactly
    those 4, named by id, with the estimate for them."""
    from clay_tui.services import enrich as enrich_service
    from clay_tui.services.enrich import ColumnSpec

    enrich_service.add_column(
        sb_ws,
        sb_table,
        ColumnSpec(
            name=EMAIL,
            action="find_work_email",
            providers=["prospeo", "hunter"],  # the README recipe's (the dialog, not the depth)
            inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
            condition="country = 'US'",
            spend_limit=20,
        ),
    )

    async def before(pilot) -> None:
        await settle(pilot)
        grid_of(pilot.app).move_to_column(EMAIL)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)
