"""``clay-tui workspace repair``: a damaged workspace.db is rebuilt from what can be read, the
damaged file is kept beside it, no table is orphaned and no credit is invented."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import tomli_w

from clay_tui.clock import FixedClock
from clay_tui.services import credits as credits_svc
from clay_tui.services import repair as core
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, make_settings, sandbox_raw_config
from tests.unit.hostile.cli_helpers import REPO, assert_one_sentence, invoke, spawn

RECIPES = REPO / "sample_tables" / "recipes"
# Ten calls in flight and one at a time: the order of the ledger's entries (and so which of them a
# smashed page takes) differs, and repair must be right for either.
BOTH_ORDERS = pytest.mark.parametrize(
    "used", [10, 1], ids=["concurrent", "one-at-a-time"], indirect=True
)


@pytest.fixture
def used(
    request: pytest.FixtureRequest, tmp_path: Path, sandbox_url: str
) -> tuple[list[str], Path]:
    """A workspace where a paid column ran on 40 rows: (CLI base args, workspace folder), with
    ten calls in flight, or as many as a test's ``indirect`` parameter says (``BOTH_ORDERS``)."""
    config = tmp_path / "config.toml"
    raw = sandbox_raw_config(concurrency=getattr(request, "param", 10))
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    root = tmp_path / "ws"
    base = ["--config", str(config), "--workspace", str(root)]
    assert invoke(*base, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    assert (
        invoke(*base, "add-column", "leads", "--recipe", str(RECIPES / "find_work_email.toml")).code
        == 0
    )
    assert invoke(*base, "run", "leads", "Work Email", "--limit", "40", "--yes").code == 0
    con = sqlite3.connect(root / "workspace.db")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return base, root


def _facts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            "ledger": con.execute("SELECT COUNT(*) FROM ledger").fetchone()[0],
            "balance": con.execute("SELECT SUM(amount) FROM ledger").fetchone()[0],
            "cells": con.execute("SELECT COUNT(*) FROM cells").fetchone()[0],
            "charged": con.execute("SELECT SUM(credits) FROM cells").fetchone()[0],
        }
    finally:
        con.close()


def _smash_middle_leaf(db: Path, table: str) -> int:
    """Overwrite a leaf page in the middle of ``table`` with garbage (a bad disk sector);
    returns how many rows were on it."""
    con = sqlite3.connect(db)
    leaves = con.execute(
        "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
        (table,),
    ).fetchall()
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    assert len(leaves) >= 3, leaves
    page, cells = leaves[len(leaves) // 2]
    with db.open("r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    return cells


@BOTH_ORDERS
@pytest.mark.parametrize("salvage", ["sqlite3 program if installed", "row ranges"])
def test_a_bad_ledger_page_is_repaired_without_raising_the_balance(
    used: tuple[list[str], Path], salvage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if salvage == "row ranges":
        monkeypatch.setattr(core, "sqlite3_cli", lambda: None)
    base, root = used
    db = root / "workspace.db"
    before = _facts(db)
    lost = _smash_middle_leaf(db, "ledger")
    damaged = db.read_bytes()
    line = assert_one_sentence(invoke(*base, "credits"), 2)
    assert "`clay-tui workspace repair`" in line

    out = invoke(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    kept = list(root.glob("workspace.db.damaged-*"))
    kept = [p for p in kept if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # beside it, untouched
    assert f"Kept the damaged file as {kept[0]}" in out.stdout
    after = _facts(db)
    assert after["cells"] == before["cells"] and after["charged"] == before["charged"]
    assert before["ledger"] - lost <= after["ledger"]  # every readable entry came back
    reported = int(out.stdout.split(" entries recovered, ")[1].split(" lost")[0])
    assert reported >= lost, out.stdout  # the lost entries are counted, not hidden
    assert after["balance"] <= before["balance"]  # never more credits than before the damage
    assert "All credit invariants hold." in out.stdout, out.stdout

    assert invoke(*base, "credits", "verify").code == 0
    listed = invoke(*base, "tables")
    assert listed.code == 0 and "leads" in listed.stdout
    shown = invoke(*base, "run-info", "leads", "Work Email", "--json")
    assert shown.code == 0, shown.stderr
    bal = json.loads(invoke(*base, "credits", "--json").stdout)["balance"]["available"]
    assert bal <= before["balance"]


def test_a_bad_cells_page_is_repaired_and_verify_names_what_was_lost(
    used: tuple[list[str], Path],
) -> None:
    base, root = used
    db = root / "workspace.db"
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO cells (table_id, column_id, row_id, status, value) VALUES"
        " (9, 9, ?, 'found', ?)",
        [(i, "x" * 300) for i in range(60)],
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _facts(db)
    lost = _smash_middle_leaf(db, "cells")
    out = invoke(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    after = _facts(db)
    # the bad page's rows are lost (SQLite may not reach one row beside it either), the
    # rest are back
    assert before["cells"] - lost - 1 <= after["cells"] <= before["cells"] - lost
    assert after["ledger"] >= before["ledger"] and after["balance"] <= before["balance"]
    verify = invoke(*base, "credits", "verify")
    if verify.code:  # precisely: the charges whose cells were lost, nothing vague
        assert "FAIL  every charge has its stored result" in verify.stdout, verify.stdout
    assert invoke(*base, "tables").code == 0


@BOTH_ORDERS
def test_repair_in_a_real_process(used: tuple[list[str], Path]) -> None:
    base, root = used
    db = root / "workspace.db"
    before = _facts(db)
    _smash_middle_leaf(db, "ledger")
    assert spawn(*base, "credits").code == 2
    out = spawn(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr and "All credit invariants hold." in out.stdout
    assert _facts(db)["balance"] <= before["balance"]
    assert spawn(*base, "credits", "verify").code == 0


def test_an_empty_database_with_snapshots_re_registers_them_and_grants_nothing(
    used: tuple[list[str], Path],
) -> None:
    base, root = used
    db = root / "workspace.db"
    db.write_bytes(b"")
    for extra in ("workspace.db-wal", "workspace.db-shm"):
        (root / extra).unlink(missing_ok=True)
    out = invoke(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    assert "re-registered from tables/*.parquet" in out.stdout
    assert any(p.stat().st_size == 0 for p in root.glob("workspace.db.damaged-*"))
    listed = invoke(*base, "tables")
    assert listed.code == 0 and "recovered-1" in listed.stdout
    assert "200" in listed.stdout  # every row of the snapshot
    bal = json.loads(invoke(*base, "credits", "--json").stdout)["balance"]["available"]
    assert bal == 0  # no fresh plan grant, no trial: the lost grants are not given again
    assert invoke(*base, "credits", "verify").code == 0


def test_a_repaired_workspace_that_loses_its_plan_state_is_not_granted_again(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = make_settings(tmp_path / "ws", plan={"trial_credits": 50})
    root = tmp_path / "ws"
    root.mkdir()
    (root / "workspace.db").write_bytes(b"")
    core.repair(root, now=clock.now(), plan=settings.plan)
    con = sqlite3.connect(root / "workspace.db")
    con.execute("DELETE FROM credit_plan_state")  # lost again (or an older repair)
    con.commit()
    con.close()
    with Workspace.open(settings, clock) as ws:
        assert credits_svc.balance(ws).available == 0


def test_a_healthy_workspace_has_nothing_to_repair(used: tuple[list[str], Path]) -> None:
    base, root = used
    before = (root / "workspace.db").read_bytes()
    out = invoke(*base, "workspace", "repair", "--yes")
    assert_one_sentence(out, 2, contains="workspace.db is healthy; nothing to repair.")
    assert (root / "workspace.db").read_bytes() == before
    assert not list(root.glob("workspace.db.damaged-*"))


def test_a_ledger_whose_root_page_is_gone_is_not_re_granted(used: tuple[list[str], Path]) -> None:
    base, root = used
    db = root / "workspace.db"
    before = _facts(db)
    con = sqlite3.connect(db)
    (page,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ledger'").fetchone()
    con.close()
    with db.open("r+b") as fh:
        fh.seek((page - 1) * 4096)
        fh.write(b"\xde\xad\xbe\xef" * 1024)
    out = invoke(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    assert "no entry could be read (how many were lost is not known)" in out.stdout
    after = _facts(db)
    assert after["cells"] == before["cells"]
    assert (after["balance"] or 0) <= 0 < before["balance"]  # nothing invented, nothing granted
    assert invoke(*base, "tables").code == 0


@BOTH_ORDERS
def test_a_lost_refund_is_written_again(used: tuple[list[str], Path], tmp_path: Path) -> None:
    """A page that held the refund of a rejected find (and not its capture) left the ledger
    charging a cell more than the cell keeps ("run records 88 credits, the ledger charged 89"):
    repair gives the refund back, with its own key, so the books balance again."""
    from clay_tui.services.repair_holds import rebuild_holds

    _, root = used
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(root / "workspace.db")
    src.execute(f"VACUUM INTO '{copy}'")
    src.close()
    db = sqlite3.connect(copy, isolation_level=None)
    refunds = db.execute(
        "SELECT id, key, amount FROM ledger WHERE kind = 'refund' AND row_id IS NOT NULL"
        " ORDER BY id"
    ).fetchall()
    assert refunds, "the run refunded no rejected find: nothing to lose"
    balance = db.execute("SELECT SUM(amount) FROM ledger").fetchone()[0]
    for (name,) in db.execute(  # append-only triggers: this copy plays the lost page
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger'"
    ).fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    db.execute("DELETE FROM ledger WHERE id = ?", (refunds[0][0],))
    rewritten: list[str] = []
    db.execute("BEGIN")
    rebuild_holds(db, rewritten, "2026-12-02T00:00:00+00:00")
    db.execute("COMMIT")
    back = db.execute("SELECT kind, amount FROM ledger WHERE key = ?", (refunds[0][1],)).fetchall()
    assert back == [("refund", refunds[0][2])], rewritten
    assert db.execute("SELECT SUM(amount) FROM ledger").fetchone()[0] == balance
    db.close()


def test_repair_keeps_members_hosts_and_the_schema_versions(
    used: tuple[list[str], Path],
) -> None:
    """The rebuilt database is at the credits' latest migration and says so, so the member and
    host of every recovered entry survive (and no migration runs twice on it)."""
    base, root = used
    db = root / "workspace.db"
    assert invoke(*base, "--user", "ann", "members", "limit", "bob", "50").code == 0
    con = sqlite3.connect(db)
    named = con.execute("SELECT COUNT(*) FROM ledger WHERE member IS NOT NULL").fetchone()[0]
    con.executemany(  # cells enough for three pages (results of another column)
        "INSERT INTO cells (table_id, column_id, row_id, status, value) VALUES"
        " (9, 9, ?, 'found', ?)",
        [(i, "x" * 300) for i in range(60)],
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert named > 0
    _smash_middle_leaf(db, "cells")
    out = invoke(*base, "workspace", "repair", "--yes")
    assert out.code == 0, out.stderr
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        kept = con.execute("SELECT COUNT(*) FROM ledger WHERE member IS NOT NULL").fetchone()[0]
        hosts = con.execute("SELECT COUNT(*) FROM ledger WHERE host IS NOT NULL").fetchone()[0]
        limit = con.execute("SELECT monthly_limit FROM members WHERE name = 'bob'").fetchone()
        versions = con.execute(
            "SELECT version FROM schema_migrations WHERE subsystem = 'credits'"
        ).fetchall()
    finally:
        con.close()
    assert kept == named and hosts > 0 and limit == (50,)
    assert sorted(v for (v,) in versions) == [1, 2, 3]
    assert invoke(*base, "credits", "verify").code == 0
