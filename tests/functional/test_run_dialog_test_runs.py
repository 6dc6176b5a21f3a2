"""The run dialog's test run (issue 8, items 1 and 7): "First N" is the first N rows of the
current view that this run would call a provider for, a column that has never run defaults
to it, the dialog names the rows, and selected rows are pre-picked."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from clay_tui.services import enrich as enrich_service
from clay_tui.services.enrich import ColumnSpec
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.run_dialog import RunDialog
from tests.functional.driving import EMAIL, SIZE, grid_of, press, screen_of, settle


def _column(ws, table, condition: str) -> None:
    enrich_service.add_column(
        ws,
        table,
        ColumnSpec(
            name=EMAIL,
            action="find_work_email",
            providers=["prospeo", "hunter"],  # the README recipe's (the dialog, not the depth)
            inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
            condition=condition,
        ),
    )


async def test_a_new_column_defaults_to_a_test_run_whatever_its_condition_leaves(
    sb_ws, sb_table
) -> None:
    # no row of the first 10 meets the condition; rows 11 and 12 do
    _column(sb_ws, sb_table, "country = 'SE' OR first_name = 'Lea'")
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RunDialog)
        assert dialog.choice == "first"  # before: silently "Rows not yet run"
        est = dialog.estimate
        assert est is not None and est.rows_to_run == 2 and est.row_ids == [11, 12]
        shown = str(dialog.query_one("#run-estimate", Static).render())
        assert "2 rows will run: #11, #12" in shown
        await press(pilot, "r")
        await asyncio.sleep(0.05)
        await settle(pilot)
        assert sorted(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == [11, 12]


async def test_first_n_follows_the_view_order(sb_ws, sb_table) -> None:
    _column(sb_ws, sb_table, "country <> 'JP'")
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        grid_of(app).move_to_column("employees")
        await press(pilot, "S")  # sort by employees, descending
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RunDialog) and dialog.choice == "first"
        # by employees, most first; Hana (8) is in JP, Ivo's (9) is empty and sorted last
        want = [3, 7, 5, 11, 1, 10, 6, 2, 12, 4]
        assert dialog.estimate is not None and dialog.estimate.row_ids == want
        await press(pilot, "r")
        await asyncio.sleep(0.05)
        await settle(pilot)
        assert sorted(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == sorted(want)
        assert screen.view is not None and screen.view.sort == ("employees", True)


async def test_selected_rows_are_counted_and_pre_picked(sb_ws, sb_table, email_column) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "space", "space")
        assert "2 selected" in screen_of(app).status.text
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RunDialog) and dialog.choice == "selected"
        assert dialog.estimate is not None and dialog.estimate.row_ids == [1, 2]


async def test_the_dialog_estimate_is_bound_by_the_spend_limit(
    sb_ws, sb_table, email_column
) -> None:
    enrich_service.update_column(sb_ws, sb_table, EMAIL, spend_limit=5)
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RunDialog)
        est = dialog.estimate
        assert est is not None and est.max_credits == 5  # before: 10 rows x 6 = 60
        shown = str(dialog.query_one("#run-estimate", Static).render())
        warning = str(dialog.query_one("#run-warning", Static).render())
        assert "up to 5 " in shown
        assert "spend limit" in warning and "5 of 5 credits left" in warning


async def test_progress_shows_rate_eta_and_the_share_in_the_header(
    sb_ws, sb_table, email_column
) -> None:
    from clay_tui.services.enrich import Progress
    from clay_tui.ui.messages import RunProgress

    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.post_message(RunProgress(EMAIL, Progress(total=12, done=0, counts={}, credits=0)))
        await pilot.pause(0.2)
        screen.post_message(
            RunProgress(EMAIL, Progress(total=12, done=5, counts={"found": 5}, credits=15))
        )
        await pilot.pause()
        text = screen.status.text
        assert "5/12 (41%)" in text and "cells/s" in text and "15 credits" in text
        assert "ETA" in text
        assert grid_of(app).header_marks.get(EMAIL) == "41%"
        # a real run: the mark goes when it ends
        screen.enrichment.run_chosen(
            email_column, (enrich_service.RowSelection("first", limit=3), None)
        )
        await settle(pilot)
        await asyncio.sleep(0.05)
        await settle(pilot)
        assert EMAIL not in grid_of(app).header_marks
