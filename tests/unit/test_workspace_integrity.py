"""A damaged workspace.db is refused in one sentence, never silently replaced by a new
workspace (with a fresh credit grant, and its tables orphaned)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.errors import WorkspaceError
from clay_tui.services import credits as credits_svc
from clay_tui.services import tables as ts
from clay_tui.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def used(settings: Settings, clock: FixedClock, tmp_path: Path) -> Path:
    """A workspace with a table and some credit history; returns its folder."""
    src = tmp_path / "leads.csv"
    src.write_text("name,company\nAnn,acme.com\nBob,globex.com\n", encoding="utf-8")
    with Workspace.open(settings, clock) as ws:
        table = ts.import_table(ws, src, name="leads")
        table.wait_for_snapshot()
        credits_svc.balance(ws)  # the plan's grant is in the ledger
        for i in range(200):  # a database of more than a few pages
            table.set_cell(1, "name", f"Ann {i}")
        table.save()
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = Path(settings.workspace)
    assert (root / "workspace.db").stat().st_size > 8 * 4096
    return root


def _refused(settings: Settings, clock: FixedClock, what: str) -> str:
    with pytest.raises(WorkspaceError) as info:
        Workspace.open(settings, clock)
    message = str(info.value)
    assert what in message
    assert "backup" in message
    assert "`clay-tui workspace repair`" in message  # the alternative to a backup
    assert "\n" not in message
    return message


def test_a_zero_byte_database_is_refused_and_stays_as_it_is(
    settings: Settings, clock: FixedClock, used: Path
) -> None:
    db = used / "workspace.db"
    db.write_bytes(b"")
    (used / "workspace.db-wal").unlink(missing_ok=True)
    _refused(settings, clock, "is empty")
    assert db.stat().st_size == 0  # never initialised as a new workspace (no new grant)


def test_a_zero_byte_database_in_an_otherwise_empty_folder_is_refused_too(
    settings: Settings, clock: FixedClock
) -> None:
    root = Path(settings.workspace)
    root.mkdir(parents=True)
    (root / "workspace.db").write_bytes(b"")
    _refused(settings, clock, "is empty")


def test_a_file_that_is_not_a_database_is_refused(
    settings: Settings, clock: FixedClock, used: Path
) -> None:
    (used / "workspace.db").write_bytes(b"this is not sqlite at all\n" * 50)
    _refused(settings, clock, "not a clay-tui workspace database")


def test_a_truncated_database_is_refused(settings: Settings, clock: FixedClock, used: Path) -> None:
    db = used / "workspace.db"
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    _refused(settings, clock, "truncated")


def test_tables_without_a_database_are_refused(
    settings: Settings, clock: FixedClock, used: Path
) -> None:
    (used / "workspace.db").unlink()
    for extra in ("workspace.db-wal", "workspace.db-shm"):
        (used / extra).unlink(missing_ok=True)
    _refused(settings, clock, "has tables but no workspace.db")
    assert not (used / "workspace.db").exists()


def test_a_new_folder_still_starts_a_workspace(settings: Settings, clock: FixedClock) -> None:
    with Workspace.open(settings, clock) as ws:
        assert credits_svc.balance(ws).available > 0
    with Workspace.open(settings, clock) as ws:  # and opens again, healthy
        assert credits_svc.balance(ws).available > 0
    root = Path(settings.workspace)
    (root / "tables").rmdir()  # an empty tables/ folder or none: still fine
    with Workspace.open(settings, clock):
        pass


def test_a_healthy_workspace_with_a_live_wal_opens(
    settings: Settings, clock: FixedClock, used: Path
) -> None:
    with Workspace.open(settings, clock) as ws:
        ts.open_table(ws, "leads").set_cell(2, "name", "Bo")
        with Workspace.open(settings, clock) as other:  # a second process, WAL not checkpointed
            assert ts.open_table(other, "leads").row(2)["name"] == "Bo"


def test_the_cli_says_one_sentence_and_exits_2(used: Path) -> None:
    db = used / "workspace.db"
    db.write_bytes(b"")
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(used), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", "from clay_tui.cli.main import main; main()", "credits"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "backup" in proc.stderr and "workspace repair" in proc.stderr
    assert db.stat().st_size == 0
    with pytest.raises(sqlite3.DatabaseError):  # (an empty file: still no tables in it)
        sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT * FROM ledger").fetchall()


def test_a_schema_made_inside_a_transaction_does_not_end_it(
    settings: Settings, clock: FixedClock
) -> None:
    script = (
        "CREATE TABLE IF NOT EXISTS probe (a INTEGER);\nCREATE INDEX IF NOT EXISTS p ON probe(a);\n"
    )
    with Workspace.open(settings, clock) as ws:
        with pytest.raises(RuntimeError):
            with ws.transaction():
                ws.ensure_schema("probe", script)
                ws.db.execute("INSERT INTO probe VALUES (1)")
                raise RuntimeError("rolled back")
        with ws.transaction():  # rolled back with the transaction: made again
            ws.ensure_schema("probe", script)
            ws.db.execute("INSERT INTO probe VALUES (2)")
        assert [r[0] for r in ws.db.execute("SELECT a FROM probe")] == [2]
