"""Keypress handling time of the TUI at any size (not a test: run it by hand).

    python -m tests.functional.keypress_timing BIG.csv [WORKSPACE | postgresql://...]

Imports the file, then opens the table again from the workspace (a folder's snapshot, or a
team workspace's rows in PostgreSQL) through the real services, drives the real app headless with
pilot, and reports per key the CPU time of press + handling + repaint (the
pilot's own cost is printed as the baseline of an unbound key), plus the time
of a sort and a filter in their workers.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from clay_tui.config import load_settings
from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.workspace import Workspace

KEYS = {
    "down": ["down"] * 50,
    "right/left": ["right"] * 8 + ["left"] * 8,
    "pagedown": ["pagedown"] * 20,
    "ctrl+end/home": ["ctrl+end", "ctrl+home"] * 3,
    "unbound (baseline)": ["z"] * 20,
}


async def _measure(ws: Workspace, target: str) -> None:
    started = time.perf_counter()
    table = table_service.open_table(ws, target)  # the table's name: read from the workspace
    print(f"open_table: {time.perf_counter() - started:.2f} s, {table.row_count:,} rows")
    app = ClayApp(ws, table)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for name, keys in KEYS.items():
            times = []
            for key in keys:
                cpu = time.process_time()
                await pilot.press(key)
                await pilot.pause()
                times.append((time.process_time() - cpu) * 1000)
            print(
                f"{name:20s} n={len(times):3d}  median {statistics.median(times):5.1f} ms"
                f"  max {max(times):5.1f} ms  (CPU: press + handle + repaint)"
            )
        for name, keys in (("sort", ["s"]), ("sort desc", ["S"])):
            wall = time.perf_counter()
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            print(f"{name:20s} {(time.perf_counter() - wall) * 1000:6.0f} ms (worker, wall)")
        screen = app.table_screen
        assert screen is not None and screen.view is not None
        wall = time.perf_counter()
        screen.view_jobs.apply_filter(f"{screen.grid.current_column} IS NOT NULL")
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(f"{'filter':20s} {(time.perf_counter() - wall) * 1000:6.0f} ms (worker, wall)")


def main() -> None:
    source = Path(sys.argv[1])
    where = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="clay-keys-")
    settings = load_settings(None, where)  # a folder, or a team workspace's URL
    with Workspace.open(settings) as ws:
        table = table_service.import_table(ws, source)
        table.wait_for_snapshot()
        name = table.name
    with Workspace.open(settings) as ws:
        asyncio.run(_measure(ws, name))


if __name__ == "__main__":
    main()
