"""The TUI's boundary: a damaged workspace.db met while the app runs ends it with one
sentence (exit code 2), never a traceback."""

from __future__ import annotations

import asyncio
import errno
import sqlite3

import pytest

from clay_tui.services import tables as table_service
from clay_tui.ui.screens.table_screen import TableScreen
from tests.functional.driving import SIZE, screen_of, settle


class _Damaged:
    """ws.db once a disk sector under it has gone bad: every statement fails."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise sqlite3.DatabaseError("database disk image is malformed")

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._db, name)


async def test_a_damaged_database_ends_the_app_with_one_sentence(make_app, workspace) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        real = workspace.db
        workspace.db = _Damaged(real)
        try:
            # Plans & Billing reads the ledger. The key is posted, not pressed: a press waits
            # for a screen the ending app never shows (30 s of the suite)
            app.simulate_key("b")
            for _ in range(200):
                if app.return_code is not None:
                    break
                await asyncio.sleep(0.02)
        finally:
            workspace.db = real
    assert app.return_code == 2
    assert app.fatal_error is not None
    assert "damaged" in app.fatal_error and "backup" in app.fatal_error
    assert "\n" not in app.fatal_error


async def _until_ended(app) -> None:  # noqa: ANN001
    for _ in range(200):
        if app.return_code is not None:
            return
        await asyncio.sleep(0.02)


async def test_an_action_meeting_a_damaged_database_ends_with_one_sentence(
    make_app, monkeypatch
) -> None:
    """Through the public run_action: a key whose action meets the damage."""

    def damaged(self) -> None:  # noqa: ANN001
        raise sqlite3.DatabaseError("file is not a database")

    monkeypatch.setattr(TableScreen, "action_sort_asc", damaged)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.simulate_key("s")
        await _until_ended(app)
    assert app.return_code == 2
    assert "damaged" in app.fatal_error and "\n" not in app.fatal_error


async def test_a_worker_meeting_a_full_disk_ends_with_one_sentence(make_app, monkeypatch) -> None:
    """Through a guarded worker: the export's thread meets a full disk."""

    def full(*args, **kwargs) -> int:  # noqa: ANN002, ANN003
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(table_service, "export_table", full)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen_of(app).save_export.export("/tmp/out.csv")
        await _until_ended(app)
    assert app.return_code == 2
    assert app.fatal_error.startswith("The disk is full") and "\n" not in app.fatal_error


async def test_a_bug_is_not_dressed_up_as_a_sentence(make_app, monkeypatch) -> None:
    """Anything that is neither a user mistake nor the machine stays a bug: Textual's own
    crash report (the test harness re-raises it), no fatal_error sentence."""

    def bug(self) -> None:  # noqa: ANN001
        raise RuntimeError("a bug")

    monkeypatch.setattr(TableScreen, "action_sort_asc", bug)
    app = make_app()
    with pytest.raises(RuntimeError, match="a bug"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("s")
    assert app.fatal_error is None
