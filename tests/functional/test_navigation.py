"""Moving the cell cursor with keys and the mouse."""

from __future__ import annotations

from tests.functional.driving import SIZE, cell, grid_of, press, screen_of, settle, type_text


async def test_arrows_home_end_and_ctrl_home_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cell(app) == (0, "first_name")
        await press(pilot, "down", "down", "right")
        assert cell(app) == (2, "last_name")
        await press(pilot, "end")
        assert cell(app) == (2, "employees")
        await press(pilot, "home")
        assert cell(app) == (2, "first_name")
        await press(pilot, "ctrl+end")
        assert cell(app) == (11, "employees")
        await press(pilot, "ctrl+home")
        assert cell(app) == (0, "first_name")
        await press(pilot, "up", "left")  # clamped at the edges
        assert cell(app) == (0, "first_name")


async def test_page_down_and_up_move_a_screenful(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(110, 10)) as pilot:  # a short terminal: pages matter
        await settle(pilot)
        body = grid_of(app).body_height
        assert body < 12
        await press(pilot, "pagedown")
        assert cell(app)[0] == body
        await press(pilot, "pagedown", "pagedown")
        assert cell(app)[0] == 11
        await press(pilot, "pageup")
        assert cell(app)[0] == 11 - body


async def test_go_to_column_by_name(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "g")
        await type_text(pilot, "COUNTRY")
        await press(pilot, "enter")
        assert cell(app)[1] == "country"
        await press(pilot, "g")
        await type_text(pilot, "nope")
        await press(pilot, "enter")
        prompt = screen_of(app).prompt
        assert prompt.is_open
        assert "No visible column" in str(prompt.query_one("#prompt-error").render())
        await press(pilot, "escape")
        assert not prompt.is_open
        assert cell(app)[1] == "country"


async def test_click_selects_a_cell(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        x = grid.row_gutter + grid.column_offsets[2] + 1  # inside "company"
        await pilot.click(grid, offset=(x, 2 + 3))  # header is 2 lines: row index 3
        await settle(pilot)
        assert cell(app) == (3, "company")
        assert "company · row 4" in screen_of(app).status.text
