"""Opening: a table by target in a worker, and a clean exit on a file that cannot be read."""

from __future__ import annotations

from pathlib import Path

from clay_tui.ui.app import ClayApp
from tests.functional.driving import SIZE, cell, grid_of, said, settle


async def test_open_by_path_loads_in_a_worker(workspace, small_csv: Path) -> None:
    app = ClayApp(workspace, target=str(small_csv))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.table is not None
        assert grid_of(app).row_count == 12
        assert app.table.name in app.table_screen.status.text
        await pilot.press("down", "right")
        await settle(pilot)
        assert cell(app) == (1, "last_name")  # the grid has the focus once loaded


async def test_unreadable_target_exits_with_one_sentence(workspace, tmp_path: Path) -> None:
    app = ClayApp(workspace, target=str(tmp_path / "missing.csv"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app.return_code == 2
    assert app.load_error
    assert "\n" not in app.load_error.strip()
    assert "Traceback" not in app.load_error


async def test_loading_notices_are_shown(workspace, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xfcnchen\n".encode("cp1252"))
    app = ClayApp(workspace, target=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.table is not None and app.table.notices
        shown = said(app)
        assert any(notice in shown for notice in app.table.notices)
