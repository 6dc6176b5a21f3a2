"""The open table is live: another process's edit and enrichment results show up in the
grid (a result with its state) while the user does nothing."""

from __future__ import annotations

import asyncio

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.services.enrich import ColumnSpec, RowSelection
from clay_tui.ui.app import ClayApp
from clay_tui.workspace import Workspace, changes
from tests.functional.driving import SIZE, grid_of, settle


def grid_text(app) -> str:
    grid = grid_of(app)
    return "\n".join(
        "".join(seg.text for seg in grid.render_line(y)) for y in range(grid.size.height)
    )


async def wait_for(pilot, text: str, seconds: float = 10) -> bool:
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        if text in grid_text(pilot.app):
            return True
    return False


async def test_another_processes_edit_and_results_show_up(sb_ws, sb_table, monkeypatch) -> None:
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 0.05)
    spec = ColumnSpec(name="Clean", action="normalize_domain", inputs={"value": "company"})
    enrich_service.add_column(sb_ws, sb_table, spec)
    other = Workspace.open(sb_ws.settings, sb_ws.clock)  # a CLI in another terminal
    app = ClayApp(sb_ws, sb_table)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "Anastasia" not in grid_text(app)
            theirs = table_service.get_table(other, sb_table.id)
            theirs.set_cell(1, "first_name", "Anastasia")
            assert await wait_for(pilot, "Anastasia")
            await asyncio.to_thread(
                lambda: asyncio.run(
                    enrich_service.run_column(other, theirs, "Clean", RowSelection("all"))
                )
            )
            # no company name is a domain: each cell says so (its state came with the result)
            assert await wait_for(pilot, "invalid")
    finally:
        other.close()
