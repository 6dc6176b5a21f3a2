"""The TUI's boundary: a damaged workspace.db met while the app runs ends it with one
sentence (exit code 2), never a traceback."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.functional.driving import SIZE, settle


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
