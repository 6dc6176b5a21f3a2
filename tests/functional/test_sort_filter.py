"""Sort, filter (good and bad expressions) and search."""

from __future__ import annotations

from tests.functional.driving import SIZE, cell, grid_of, press, screen_of, settle, type_text


def column_values(app, column: str) -> list:
    view = screen_of(app).view
    return view.slice(0, view.row_count).get_column(column).to_list()


async def test_sort_by_current_column_asc_then_desc(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "end")  # employees (int)
        await press(pilot, "s")
        values = column_values(app, "employees")
        present = [v for v in values if v is not None]
        assert present == sorted(present)
        assert screen_of(app).view.sort == ("employees", False)
        assert grid_of(app).current_row_id() is not None
        await press(pilot, "S")
        present = [v for v in column_values(app, "employees") if v is not None]
        assert present == sorted(present, reverse=True)
        assert screen_of(app).view.sort == ("employees", True)
        await press(pilot, "c")
        assert screen_of(app).view.sort is None


async def test_good_filter_narrows_the_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "country = 'US' AND employees > 100")
        await press(pilot, "enter")
        screen = screen_of(app)
        assert not screen.prompt.is_open
        assert grid_of(app).row_count == 3  # Ana 120, Cleo 3000, Eli 560
        assert set(column_values(app, "first_name")) == {"Ana", "Cleo", "Eli"}
        status = screen.status
        assert "3 of 12 rows" in status.text
        assert "filter on" in status.text
        await press(pilot, "F")
        assert grid_of(app).row_count == 12
        assert screen.view.filter_text is None


async def test_bad_filter_shows_inline_error_and_changes_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "country = 'US'")
        await press(pilot, "enter")
        await press(pilot, "f")
        screen = screen_of(app)
        field = screen.prompt.query_one("#prompt-input")
        field.value = "nosuchcolumn > 3 AND"
        await press(pilot, "enter")
        assert screen.prompt.is_open  # still open, so the typo can be fixed
        error = str(screen.prompt.query_one("#prompt-error").render())
        assert error.strip()
        assert "Traceback" not in error
        assert screen.view.filter_text == "country = 'US'"
        assert grid_of(app).row_count == 4


async def test_search_and_next_match(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "fr")
        await press(pilot, "enter")
        assert cell(app) == (3, "country")  # Dev, FR
        await press(pilot, "n")
        assert cell(app) == (5, "country")  # Fay, FR
        await press(pilot, "n")  # wraps to the first match again
        assert cell(app) == (3, "country")


async def test_a_filter_matching_nothing_leaves_a_usable_empty_grid(make_app, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "employees > 999999")
        await press(pilot, "enter")
        assert grid_of(app).row_count == 0
        await press(pilot, "down", "pagedown", "ctrl+end", "enter", "d", "s", "slash")
        await type_text(pilot, "x")
        await press(pilot, "enter", "n")
        assert small_table.row_count == 12
        assert "0 of 12 rows" in screen_of(app).status.text
        await press(pilot, "F")
        assert grid_of(app).row_count == 12
