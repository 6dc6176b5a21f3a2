"""The keypress budget on a table opened from a team workspace (issue 12, item 4): once loaded,
moving around the grid is the same work as on a local table. Counted, not timed (the harness
``tests/functional/keypress_timing.py`` times keys by hand): the database statements the UI
thread runs while keys are handled, on each back end; none may read the table's rows again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import POSTGRESQL
from tests.conftest import on_backend
from tests.functional.driving import SIZE, cell, grid_of, press, settle

ROWS = 3000
KEYS = ["down"] * 4 + ["right", "left", "pagedown", "ctrl+end", "ctrl+home"]


def leads_csv(path: Path) -> Path:
    lines = ["first_name,last_name,company,country,employees"]
    lines += [f"F{i},L{i},Company {i % 97},C{i % 7},{i}" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class UiStatements:
    """Counts the statements the UI (main) thread sends to the workspace's database."""

    def __init__(self, ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self.on = False
        if ws.dialect is POSTGRESQL:
            conn = type(ws.db)
            real = conn.execute

            def execute(db, *args, **kwargs):
                self.seen()
                return real(db, *args, **kwargs)

            monkeypatch.setattr(conn, "execute", execute)
        else:
            ws.db.set_trace_callback(lambda _sql: self.seen())

    def seen(self) -> None:
        if self.on and threading.current_thread() is threading.main_thread():
            self.count += 1


async def _statements_per_key(
    settings: Settings, clock: FixedClock, csv: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int]:
    """(statements on the UI thread while the keys were handled, reads of the table's rows)"""
    with Workspace.open(settings, clock) as ws:
        table_service.import_table(ws, csv, name="leads").wait_for_snapshot()
    reads = []
    if settings.workspace_url:
        from clay_tui.workspace import pg_frames

        real = pg_frames._read_parts
        monkeypatch.setattr(pg_frames, "_read_parts", lambda *a: reads.append(1) or real(*a))
    with Workspace.open(settings, clock) as ws:  # another session: the rows come from the store
        table = table_service.open_table(ws, "leads")
        assert table.row_count == ROWS
        loaded = len(reads)
        counter = UiStatements(ws, monkeypatch)
        app = ClayApp(ws, table)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            counter.on = True
            await press(pilot, *KEYS)
            counter.on = False
            assert cell(app) == (0, "first_name")
            assert grid_of(app).current_value_text() == "F0"
        keys = counter.count
        counter.on = True  # the probe itself counts: a listing reads the registry
        table_service.list_tables(ws)
        assert counter.count > keys
        return keys, len(reads) - loaded


async def test_keys_on_a_team_table_do_the_work_of_a_local_one(
    settings: Settings,
    clock: FixedClock,
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csv = leads_csv(tmp_path / "leads.csv")
    local, _ = await _statements_per_key(
        on_backend(settings, str(tmp_path / "ws")), clock, csv, monkeypatch
    )
    team, rereads = await _statements_per_key(on_backend(settings, pg_url), clock, csv, monkeypatch)
    assert rereads == 0  # the rows were read once, when the table opened
    assert team <= local, (team, local)  # no key waits on the server more than on the file
