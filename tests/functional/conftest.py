"""Fixtures for driving the real app on a small table in a temporary workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.services.enrich import ColumnSpec
from clay_tui.table.inert import inert_lines
from clay_tui.ui.app import ClayApp
from clay_tui.workspace import Workspace
from tests.functional.driving import EMAIL, ROWS


@pytest.fixture(autouse=True)
def _frozen_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Input cursors never blink in tests, so snapshots are stable."""
    made = Input.__init__

    def still(self: Input, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)  # type: ignore[arg-type]
        self.cursor_blink = False  # (public: the cursor shows, steadily)

    monkeypatch.setattr(Input, "__init__", still)


@pytest.fixture(autouse=True)
def _said(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notification an app shows is kept, as the user reads it, for ``said(app)``
    (through the public ``notify``, not Textual's private list of toasts)."""
    notify, clear = ClayApp.notify, ClayApp.clear_notifications

    def record(self: ClayApp, message: str, **kwargs: object) -> None:
        vars(self).setdefault("said", []).append(inert_lines(str(message)))
        notify(self, message, **kwargs)  # type: ignore[arg-type]

    def forget(self: ClayApp) -> None:
        vars(self)["said"] = []
        clear(self)

    monkeypatch.setattr(ClayApp, "notify", record)
    monkeypatch.setattr(ClayApp, "clear_notifications", forget)


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


# ------------------------------------------------------------ enrichment (bundled sandbox)


@pytest.fixture
def sb_ws(sandbox_settings, clock):
    """A workspace whose providers all talk to the session's zero-latency sandbox."""
    ws = Workspace.open(sandbox_settings, clock)
    yield ws
    ws.close()


@pytest.fixture
def sb_table(sb_ws, small_csv: Path):
    return table_service.open_table(sb_ws, small_csv)


@pytest.fixture
def email_column(sb_ws, sb_table) -> ColumnSpec:
    """A find-work-email waterfall column that skips the row in Japan: the README recipe's
    Prospeo -> Hunter (the screens under test, not the default's depth; that is the add-column
    screen's and the calculator's snapshot)."""
    spec = ColumnSpec(
        name=EMAIL,
        action="find_work_email",
        providers=["prospeo", "hunter"],
        inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
        condition="country <> 'JP'",
    )
    return enrich_service.add_column(sb_ws, sb_table, spec)
