"""Fixtures for driving the real app on a small table in a temporary workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.table_screen import TableScreen
from clay_tui.ui.widgets.lead_grid import LeadGrid

SIZE = (110, 30)

ROWS = [
    ("Ana", "Ng", "Acme", "US", "120"),
    ("Ben", "Smith", "Globex", "DE", "45"),
    ("Cleo", "Okafor", "Initech", "US", "3000"),
    ("Dev", "Rossi", "Umbrella", "FR", "8"),
    ("Eli", "Kim", "Hooli", "US", "560"),
    ("Fay", "Moreau", "Vandelay", "FR", "77"),
    ("Gus", "Berg", "Stark", "DE", "1500"),
    ("Hana", "Sato", "Wayne", "JP", "230"),
    ("Ivo", "Novak", "Tyrell", "CZ", ""),
    ("Jin", "Park", "Cyberdyne", "KR", "95"),
    ("Kai", "Lund", "Soylent", "SE", "410"),
    ("Lea", "Fox", "Massive", "US", "12"),
]


@pytest.fixture(autouse=True)
def _frozen_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Input cursors never blink in tests, so snapshots are stable."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    lines = ["first_name,last_name,company,country,employees"]
    lines += [",".join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_table(workspace, small_csv: Path):
    return table_service.open_table(workspace, small_csv)


@pytest.fixture
def make_app(workspace, small_table) -> Callable[[], ClayApp]:
    return lambda: ClayApp(workspace, small_table)


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


def screen_of(app: ClayApp) -> TableScreen:
    screen = app.table_screen
    assert screen is not None
    return screen


def grid_of(app: ClayApp) -> LeadGrid:
    return screen_of(app).query_one(LeadGrid)


def cell(app: ClayApp) -> tuple[int, str | None]:
    grid = grid_of(app)
    return grid.cursor_row, grid.current_column
