"""Helpers for driving the app in functional tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from textual.pilot import Pilot

from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.table_screen import TableScreen
from clay_tui.ui.widgets.lead_grid import LeadGrid

SIZE = (110, 30)
EMAIL = "Work Email"  # the enrichment column of the sandbox tests

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


def said(app: ClayApp) -> list[str]:
    """The notifications the app has shown, oldest first (recorded by conftest's ``_said``)."""
    return list(vars(app).get("said", []))


def grid_of(app: ClayApp) -> LeadGrid:
    return screen_of(app).query_one(LeadGrid)


def cell(app: ClayApp) -> tuple[int, str | None]:
    grid = grid_of(app)
    return grid.cursor_row, grid.current_column
