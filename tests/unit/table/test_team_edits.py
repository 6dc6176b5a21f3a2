"""Two people on one table: no edit is lost; the same cell: last write wins, and the value it
replaced stays in the undo history (undo brings it back). Each undoes their own edits."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.services import tables as ts
from clay_tui.workspace import Workspace
from tests.conftest import on_backend

REPO = Path(__file__).resolve().parents[3]
CSV = "name,company\nAnn,acme.com\nBob,globex.com\nCy,initech.com\nDi,umbrella.com\n"


@pytest.fixture
def settings(settings: Settings, workspace_backend: str) -> Settings:
    """Every test here on both back ends: a folder, and a PostgreSQL team workspace."""
    return on_backend(settings, workspace_backend)


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def as_member(settings: Settings, clock: FixedClock, user: str) -> Workspace:
    return Workspace.open(dataclasses.replace(settings, user=user), clock)


def test_the_same_cell_last_write_wins_and_undo_brings_back_the_value_it_replaced(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with as_member(settings, clock, "ann") as ws_a, as_member(settings, clock, "bob") as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        a.wait_for_snapshot()
        b = ts.get_table(ws_b, a.id)
        a.set_cell(1, "name", "Ann's")
        b.set_cell(1, "name", "Bob's")  # b has not looked since: it catches up first
        a.set_cell(2, "company", "ann.example")  # another cell: a's, after b's edit
        a.refresh()
        assert a.row(1)["name"] == "Bob's"  # the last write won, in both copies
        assert b.row(2)["company"] == "globex.com"  # b has not looked since
        assert [c.kind for c in b.refresh()] == ["set"]  # (what following the table does)
        assert b.row(2)["company"] == "ann.example"
        assert b.undo() == "Undid the edit of name in row 1."  # bob's own, not ann's later one
        assert b.row(1)["name"] == "Ann's"  # the value bob's write replaced
        assert b.row(2)["company"] == "ann.example"  # ann's edit stands
        assert b.undo() is None  # bob made no other edit
        a.refresh()
        assert a.row(1)["name"] == "Ann's"
        assert a.undo() == "Undid the edit of company in row 2."
        assert a.undo() == "Undid the edit of name in row 1."
        assert a.row(1)["name"] == "Ann"
        a.save()
    with as_member(settings, clock, "bob") as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(1)["name"], t.row(2)["company"]] == ["Ann", "globex.com"]
        assert t.undo() is None  # reopened: still only bob's own edits (all undone)


def test_each_journal_entry_names_its_member(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with as_member(settings, clock, "ann") as ws_a, as_member(settings, clock, "bob") as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        b = ts.get_table(ws_b, a.id)
        a.set_cell(1, "name", "x")
        b.add_row({"name": "New"})
        b.undo()
        rows = ws_a.db.execute("SELECT op, payload FROM table_journal ORDER BY seq").fetchall()
        assert [(r["op"], json.loads(r["payload"])["by"]) for r in rows] == [
            ("set", "ann"),
            ("add_rows", "bob"),
            ("undo", "bob"),
        ]


WORKER = textwrap.dedent(
    """
    import dataclasses, sys, time
    from pathlib import Path
    from clay_tui.config import load_settings
    from clay_tui.services import tables as ts
    from clay_tui.workspace import Workspace

    folder, me, row, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    with Workspace.open(load_settings(None, folder, user=me)) as ws:
        t = ts.find_table(ws, "leads")
        while not go.exists():
            time.sleep(0.005)
        for i in range(40):
            t.set_cell(row, "name", f"{me}-{i}")  # my own cell
            t.set_cell(4, "company", f"{me}-{i}")  # the shared one
        t.save()
    """
)


def test_two_processes_as_two_members_lose_no_edit(
    tmp_path: Path, leads: Path, workspace_backend: str
) -> None:
    from clay_tui.config import load_settings

    folder = workspace_backend  # a folder, or a team workspace's URL
    with Workspace.open(load_settings(None, folder, user="ann")) as ws:
        ts.import_table(ws, leads, name="leads").wait_for_snapshot()
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, folder, me, str(row), str(go)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me, row in (("ann", 1), ("bob", 2))
    ]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Workspace.open(load_settings(None, folder, user="cy")) as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(1)["name"], t.row(2)["name"]] == ["ann-39", "bob-39"]
        last = ws.db.execute(
            "SELECT payload FROM table_journal WHERE op = 'set' AND payload LIKE '%company%'"
            " ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        assert t.row(4)["company"] == json.loads(last[0])["value"]  # the last write won
        seqs = [r[0] for r in ws.db.execute("SELECT seq FROM table_journal ORDER BY seq")]
        assert seqs == list(range(seqs[0], seqs[0] + 160))  # every edit, one seq each
        # each shared-cell edit replaced the one journaled just before it
        shared = [
            json.loads(r[0])
            for r in ws.db.execute(
                "SELECT payload FROM table_journal WHERE payload LIKE '%company%' ORDER BY seq"
            )
        ]
        assert all(p["old"] == q["value"] for q, p in zip(shared, shared[1:], strict=False))
