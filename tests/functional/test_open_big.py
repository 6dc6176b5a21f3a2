"""A big file's first rows are on screen before the whole of it is read (issue 10, item 7).

The whole read is held back (a gate on ``services.tables._open_table``) so the tests see the
first-rows screen for certain: read-only, marked "loading…", keys that need the whole table
say so; then the whole table replaces it, and quitting while it loads loses nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from clay_tui.services import tables as table_service
from clay_tui.table.loading import PREVIEW_MIN_BYTES, load_file, load_head
from clay_tui.ui.app import ClayApp
from clay_tui.ui.components.preview import STILL_LOADING
from tests.functional.driving import SIZE, said, screen_of, settle

REPO = Path(__file__).resolve().parents[2]
BIG_ROWS = 60_000


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    pl.DataFrame(
        {
            "first_name": [f"p{i}" for i in range(BIG_ROWS)],
            "company": [f"Company {i % 997}" for i in range(BIG_ROWS)],
            "employees": [i % 5000 for i in range(BIG_ROWS)],
            "note": ["a note long enough to make the file a few megabytes big"] * BIG_ROWS,
        }
    ).write_csv(path)
    assert path.stat().st_size >= PREVIEW_MIN_BYTES  # big enough to be previewed
    return path


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The whole read waits until the test opens the gate."""
    opened = threading.Event()
    real = table_service._open_table

    def held(ws, target):  # noqa: ANN001, ANN202
        assert opened.wait(30)
        return real(ws, target)

    monkeypatch.setattr(table_service, "_open_table", held)
    return opened


def test_the_first_rows_are_read_and_typed_as_the_whole_file(big_csv: Path) -> None:
    head = load_head(big_csv)
    whole = load_file(big_csv).frame
    assert head is not None and 0 < head.frame.height < BIG_ROWS
    assert head.frame.schema == whole.schema
    assert head.frame.equals(whole.head(head.frame.height))
    assert load_head(big_csv, min_bytes=big_csv.stat().st_size + 1) is None  # small: no preview


async def test_first_rows_at_once_then_the_whole_table(workspace, big_csv, gate) -> None:
    app = ClayApp(workspace, target=str(big_csv))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        for _ in range(500):
            await pilot.pause(0.02)
            if screen.grid.row_count:
                break
        grid = screen.grid
        assert screen.previewing and app.table is None  # the first rows, before the table
        assert 0 < grid.row_count < BIG_ROWS
        assert grid.columns == ["first_name", "company", "employees", "note"]
        assert grid.current_value_text() == "p0"
        assert f"first {grid.row_count:,} rows" in screen.status.text
        assert "loading…" in screen.status.text
        await pilot.press("down", "down")  # moving around works on the first rows
        assert grid.cursor_row == 2
        await pilot.press("s")  # a sort needs every row: it says so, and nothing changes
        await pilot.pause()
        assert said(app) == [STILL_LOADING]
        assert screen.view is None

        gate.set()
        await settle(pilot)
        for _ in range(500):
            if app.table is not None and screen.runs is not None:
                break
            await pilot.pause(0.02)
        assert not screen.previewing
        assert app.table is not None and app.table.row_count == BIG_ROWS
        assert grid.row_count == BIG_ROWS  # the row count shown is the whole table's
        assert f"{BIG_ROWS:,} rows" in screen.status.text
        assert "loading…" not in screen.status.text
        assert grid.cursor_row == 2 and grid.current_value_text() == "p2"  # the cursor stayed
        await pilot.press("s")  # now it sorts
        await settle(pilot)
        assert screen.view is not None and screen.view.sort == ("first_name", False)


async def test_a_small_file_has_no_first_rows_screen(workspace, small_csv: Path) -> None:
    previews: list[object] = []
    app = ClayApp(workspace, target=str(small_csv))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(app)
        screen.on_table_preview = previews.append  # type: ignore[method-assign]
        await settle(pilot)
        assert app.table is not None and not screen.previewing
    assert previews == []


# `clay-tui --workspace WS big.csv` run as the console script does, headless: q is pressed
# while the first rows are shown and the whole file is still being read (held by a gate that
# opens only once the app has ended). The process then finishes the import before it exits.
QUIT_CHILD = """
import asyncio, json, sys, threading
from textual.app import App
from clay_tui.cli import main as cli
from clay_tui.services import tables

gate, seen = threading.Event(), {}
real = tables._open_table

def held(ws, target):
    assert gate.wait(60)
    return real(ws, target)

tables._open_table = held

async def quit_mid_load(app):
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(1000):
            await pilot.pause(0.02)
            if app.table_screen is not None and app.table_screen.previewing:
                break
        seen["previewing"] = app.table_screen.previewing
        seen["table"] = app.table is not None
        await pilot.press("q")
    gate.set()

App.run = lambda self, *a, **k: asyncio.run(quit_mid_load(self))
try:
    cli.main(sys.argv[1:])
except SystemExit as exc:
    seen["exit"] = exc.code
print("SEEN " + json.dumps(seen))
"""


def test_quitting_while_it_loads_loses_nothing(tmp_path: Path, big_csv: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ws = str(tmp_path / "ws")
    proc = subprocess.run(
        [sys.executable, "-c", QUIT_CHILD, "--workspace", ws, str(big_csv)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("SEEN ")]
    assert lines, proc.stderr[-2000:]
    seen = json.loads(lines[-1][len("SEEN ") :])
    assert seen == {"previewing": True, "table": False, "exit": 0}
    tables = subprocess.run(
        [
            sys.executable,
            "-c",
            "from clay_tui.cli.main import main; main()",
            "--workspace",
            ws,
            "tables",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    # every row and column is in the table's snapshot (listed from it), not only in the file
    assert tables.stdout.splitlines()[1].split()[:4] == ["1", "big", str(BIG_ROWS), "4"]
