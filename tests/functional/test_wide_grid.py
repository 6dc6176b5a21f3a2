"""A grid over thousands of columns (issue 10, item 8): the work per key or frame follows
what is on screen, not the column count. Counted, not timed (bench/wide_table.py times it)."""

from __future__ import annotations

from pathlib import Path

from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.widgets import grid_render, lead_grid
from tests.functional.driving import SIZE, cell, grid_of, press, settle

COLUMNS = 3000
ROWS = 30


def wide_csv(path: Path) -> Path:
    lines = [",".join(f"col_{i}" for i in range(COLUMNS))]
    lines += [",".join(f"r{r}c{i}" for i in range(COLUMNS)) for r in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_a_wide_grid_formats_only_the_cells_it_shows(
    workspace, tmp_path: Path, monkeypatch
) -> None:
    formatted: list[object] = []
    real = grid_render.format_value
    monkeypatch.setattr(grid_render, "format_value", lambda v: formatted.append(v) or real(v))
    table = table_service.open_table(workspace, wide_csv(tmp_path / "wide.csv"))
    app = ClayApp(workspace, table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        assert len(grid.columns) == COLUMNS
        formatted.clear()
        grid.reload()  # as after any change: the row window is fetched again
        await press(pilot, "end")  # the last column: the grid scrolls 3,000 columns sideways
        assert cell(app) == (0, f"col_{COLUMNS - 1}")
        assert grid.current_value_text() == f"r0c{COLUMNS - 1}"
        await press(pilot, "down", "right", "left")
        assert cell(app) == (1, f"col_{COLUMNS - 2}")
        shown = sum(1 for start in grid.column_offsets if start >= grid.scroll_x)
        # a few frames of the visible cells, never every cell of the row window
        assert 0 < len(formatted) < 10 * shown * ROWS < COLUMNS * ROWS
        assert f"r1c{COLUMNS - 2}" in formatted
        assert f"r1c{COLUMNS // 2}" not in formatted  # never on screen


async def test_visible_columns_and_clicks_follow_the_scroll(workspace, tmp_path: Path) -> None:
    table = table_service.open_table(workspace, wide_csv(tmp_path / "wide.csv"))
    app = ClayApp(workspace, table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        for key in ("end", "left", "home", *["right"] * 40):
            await press(pilot, key)
            data_width = grid.scrollable_content_region.width - grid.row_gutter
            left = int(grid.scroll_x)
            expected = [
                i
                for i, start in enumerate(grid.column_offsets)
                if start + grid.column_width(grid.columns[i]) + 1 > left
                and start < left + data_width
            ]
            assert grid.visible_columns(data_width) == expected
            assert grid.cursor_col in expected
            for i in expected[1:]:
                x = grid.row_gutter + grid.column_offsets[i] - left
                assert grid.cell_at(x, 3) == (int(grid.scroll_y) + 3 - lead_grid.HEADER_HEIGHT, i)


async def test_a_sideways_move_without_scrolling_repaints_the_header_and_cursor_row_only(
    make_app, monkeypatch
) -> None:
    """The cursor column is marked in the header only: a sideways key that does not scroll
    redraws the two header lines and the cursor row, not every line of the grid."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        regions: list[object] = []
        refresh = type(grid).refresh

        def spy(widget, *args, **kwargs):
            if widget is grid:
                regions.extend(args or [None])
            return refresh(widget, *args, **kwargs)

        monkeypatch.setattr(type(grid), "refresh", spy)
        await press(pilot, "down", "right")
        assert cell(app) == (1, "last_name") and grid.scroll_x == 0
        assert None not in regions  # no whole-grid repaint
        lines = {y for r in regions for y in range(r.y, r.y + r.height)}
        top = lead_grid.HEADER_HEIGHT
        assert lines == {0, 1, top, top + 1}  # header, the old and the new cursor row
