"""Fixtures for driving the real app on a small table in a temporary workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from tests.functional.driving import ROWS


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
