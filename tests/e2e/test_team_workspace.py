"""Issue 12, "Done when", on one PostgreSQL team workspace: two members run the same
enrichment column over overlapping rows at once, a third buys credits and a fourth edits the
inputs meanwhile; one runner is SIGKILLed and its column run again. Every cell is charged at
most once, `credits verify` passes, usage by member adds up to the ledger, nothing is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import tomli_w

from tests.conftest import connect_workspace, sandbox_raw_config
from tests.e2e.books import charged_per_row
from tests.e2e.test_engine_sigkill import _big_csv

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "sample_tables" / "recipes" / "find_work_email.toml"
ROWS = 500
EDITOR = """
import sys
from clay_tui.config import load_settings
from clay_tui.services import tables
from clay_tui.workspace import Workspace

ws = Workspace.open(load_settings(None, sys.argv[1], user="dora"))
t = tables.open_table(ws, "big")
for i in range(60):  # inputs of rows the runs are about to reach
    t.set_cell(300 + i, "company", f"Edited {i}")
print("edited", flush=True)
"""


def _cli(tmp: Path, url: str, user: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CLAY_TUI_WORKSPACE": url, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", "from clay_tui.cli.main import main; main()"]
        + ["--config", str(tmp / "config.toml"), "--user", user, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ok(tmp: Path, url: str, user: str, *args: str) -> str:
    proc = _cli(tmp, url, user, *args)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return out


def test_two_members_race_a_third_buys_a_fourth_edits_and_one_is_killed(
    tmp_path: Path, pg_url: str, sandbox_url: str
) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"].update(latency_ms=15, jitter_ms=5)
    raw["plan"]["monthly_credits"] = 10_000
    (tmp_path / "config.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")
    _big_csv(tmp_path / "big.csv")
    _ok(tmp_path, pg_url, "ann", "import", str(tmp_path / "big.csv"), "--name", "big")
    _ok(tmp_path, pg_url, "ann", "add-column", "big", "--recipe", str(RECIPE))

    run = ("run", "big", "Work Email", "--yes", "--wait")
    ann = _cli(tmp_path, pg_url, "ann", *run, "--limit", "350")  # overlapping rows
    bob = _cli(tmp_path, pg_url, "bob", *run, "--all")
    cleo = _cli(tmp_path, pg_url, "cleo", "credits", "buy", "500")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    dora = subprocess.Popen(
        [sys.executable, "-c", EDITOR, pg_url], env=env, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 90
    holder = None
    while time.monotonic() < deadline:  # SIGKILL the runner that holds the column, mid-run
        time.sleep(0.05)
        db = connect_workspace(pg_url)
        try:
            stored = db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
            holder = db.execute("SELECT pid FROM runs WHERE status = 'running'").fetchone()
        except Exception:  # noqa: BLE001 - no cells table yet
            stored = 0
        finally:
            db.close()
        if stored >= 100 and holder is not None:
            break
    assert holder is not None and holder[0] in (ann.pid, bob.pid), "no run to kill"
    victim, survivor = (ann, bob) if holder[0] == ann.pid else (bob, ann)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    assert survivor.wait(timeout=240) == 0, survivor.stderr.read() if survivor.stderr else ""
    assert cleo.wait(timeout=60) == 0
    assert dora.wait(timeout=60) == 0
    for proc in (ann, bob, cleo):
        proc.communicate()
    # the killed member runs it again: what is left gets done, nothing is paid twice
    again = json.loads(_ok(tmp_path, pg_url, "ann", *run, "--not-run", "--json"))
    assert again["status"] == "finished"

    db = connect_workspace(pg_url)
    try:
        cells = dict(db.execute("SELECT row_id, credits FROM cells").fetchall())
        assert len(cells) == ROWS  # nothing lost
        per_row = charged_per_row(db)
        assert {r: per_row.get(r, 0) for r in cells} == cells  # each cell charged once
        twice = db.execute(
            "SELECT row_id FROM ledger WHERE kind = 'capture' AND row_id IS NOT NULL"
            " GROUP BY row_id, key HAVING COUNT(*) > 1"
        ).fetchall()
        assert twice == []
        open_attempts = db.execute("SELECT COUNT(*) FROM attempts WHERE state = 'started'")
        assert open_attempts.fetchone()[0] == 0  # the killed run's calls were reconciled
        members = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT member FROM ledger WHERE kind = 'capture' AND member IS NOT NULL"
            )
        }
        spent = db.execute(
            "SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE kind IN ('capture', 'refund')"
        ).fetchone()[0]
        bought = [tuple(r) for r in db.execute("SELECT member FROM ledger WHERE kind = 'purchase'")]
    finally:
        db.close()
    assert {"ann", "bob"} & members  # the runners' charges name their member
    assert bought == [("cleo",)]
    usage = json.loads(_ok(tmp_path, pg_url, "ann", "usage", "--by", "member", "--json"))
    assert sum(r["net"] for r in usage["rows"]) == usage["net"] == spent
    verify = _cli(tmp_path, pg_url, "ann", "credits", "verify")
    out, err = verify.communicate(timeout=60)
    assert verify.returncode == 0, out + err
    info = json.loads(_ok(tmp_path, pg_url, "ann", "run-info", "big", "Work Email", "--json"))
    assert info["credits_spent"] == sum(cells.values())
    # the edits all landed (no edit was lost to the runs writing results beside them)
    export = tmp_path / f"out-{uuid.uuid4().hex[:6]}.csv"
    _ok(tmp_path, pg_url, "ann", "export", "big", str(export))
    text = export.read_text(encoding="utf-8")
    assert all(f"Edited {i}," in text for i in range(60))
