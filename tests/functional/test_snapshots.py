"""SVG snapshots of the main screen, the help screen and the column menu.

Update them with `pytest tests/functional --snapshot-update` after a deliberate
change to the look, and commit the files under __snapshots__/.
"""

from __future__ import annotations

from tests.functional.driving import SIZE, grid_of, settle


def test_main_screen(snap_compare, make_app) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "right")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_help_screen(snap_compare, make_app) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_column_menu(snap_compare, make_app) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        grid = grid_of(pilot.app)
        x = grid.row_gutter + grid.column_offsets[grid.columns.index("country")] + 1
        await pilot.click(grid, offset=(x, 0), button=3)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_credits_popover(snap_compare, make_app) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.app.run_action("credits_popover")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)
