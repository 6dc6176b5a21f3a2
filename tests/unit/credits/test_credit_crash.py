"""SIGKILL a process in the middle of paid captures, then reconcile with `credits verify`.

The child writes each cell's result and its capture in one transaction (as the engine
does), after reserving outside it. Whenever it dies, verify must find every charge with
its stored result, release the hold the dead process left, and leave balance = sum.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.config import DEFAULT_CONFIG, load_settings
from clay_tui.credits import Ledger
from clay_tui.credits.verify import verify
from clay_tui.workspace import Workspace

CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from clay_tui.config import load_settings, DEFAULT_CONFIG
    from clay_tui.credits import Ledger, SpendContext
    from clay_tui.workspace import Workspace

    ws = Workspace.open(load_settings(DEFAULT_CONFIG, sys.argv[1]))  # a folder or a URL
    ws.db.executescript(
        "CREATE TABLE IF NOT EXISTS cells (table_id INT, column_id INT, row_id INT, status TEXT,"
        " value TEXT, provider TEXT, credits INTEGER, run_id INT, updated_at TEXT, error TEXT,"
        " sandbox INT, PRIMARY KEY (table_id, column_id, row_id));"
        f"CREATE TABLE IF NOT EXISTS runs (id {ws.dialect.serial_pk}, table_id INT, column_id INT,"
        " started_at TEXT, finished_at TEXT, status TEXT, row_set TEXT, max_credits INT, pid INT);")
    ledger = Ledger(ws)
    run_id = ws.db.execute("INSERT INTO runs (table_id, column_id, status, pid)"
                           " VALUES (1, 1, 'running', ?) RETURNING id", (os.getpid(),))
    run_id = run_id.fetchone()[0]
    print("ready", flush=True)
    for row in range(1, 100000):
        if ws.db.execute("SELECT 1 FROM cells WHERE row_id = ?", (row,)).fetchone():
            continue
        ctx = SpendContext(1, 1, row, "hunter", run_id, "email_finder")
        # keyed by run, as the engine keys them: a hold a killed run left is not this run's
        res = ledger.reserve(2, f"cell:1:1:{row}:run{run_id}", context=ctx)
        if row == int(sys.argv[2]):  # die between the reservation and the capture
            os.kill(os.getpid(), 9)
        actual = row % 3 and 2  # every third row: no data, no charge
        with ws.transaction():
            ws.db.execute("INSERT INTO cells (table_id, column_id, row_id, status, value,"
                          " provider, credits, run_id) VALUES (1, 1, ?, ?, ?, 'hunter', ?, ?)",
                          (row, "found" if actual else "no_data", f"r{row}@x.com", actual, run_id))
            ledger.capture(res, actual)
        print(row, flush=True)
    """
)


def _child(ws_path: Path | str, die_at_row: int = 0) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws_path), str(die_at_row)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_during_captures_then_verify(
    tmp_path: Path, seed: int, backend: str, request: pytest.FixtureRequest
) -> None:
    """On both back ends (on PostgreSQL the server rolls back what the killed client had open)."""
    rng = random.Random(seed)
    ws_path = request.getfixturevalue("pg_url") if backend == "postgresql" else str(tmp_path / "ws")
    # first a death right after a reservation, then SIGKILLs from outside at random points
    proc = _child(ws_path, die_at_row=rng.randint(1, 50))
    assert proc.wait() == -signal.SIGKILL
    assert proc.stdout is not None
    proc.stdout.close()
    with Workspace.open(load_settings(DEFAULT_CONFIG, ws_path)) as ws:
        assert Ledger(ws).balance().reserved == 2  # the dead process's hold
    for _ in range(3):
        proc = _child(ws_path)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(5, 120)):
            proc.stdout.readline()
        time.sleep(rng.uniform(0, 0.004))  # land anywhere in the next reserve/capture
        os.kill(proc.pid, signal.SIGKILL)  # at a random point between/inside transactions
        proc.wait()
        proc.stdout.close()

    with Workspace.open(load_settings(DEFAULT_CONFIG, ws_path)) as ws:
        ledger = Ledger(ws)
        report = verify(ledger)
        assert report.ok, [c for c in report.checks if not c.ok]
        b = ledger.balance()
        charged = ws.db.execute("SELECT COALESCE(SUM(credits), 0) FROM cells").fetchone()[0]
        cells = ws.db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
        captures = ws.db.execute("SELECT COUNT(*) FROM ledger WHERE kind = 'capture'").fetchone()[0]
        assert cells == captures  # a capture exists iff its result does
        assert b.reserved == 0
        assert b.available == 2000 - charged
        assert verify(ledger).actions == []


def test_verify_cli_after_a_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws_path = tmp_path / "ws"
    proc = _child(ws_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    _register()
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", str(ws_path))
    result = CliRunner().invoke(
        cli, ["--config", str(DEFAULT_CONFIG), "credits", "verify", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True
    assert all(c["ok"] for c in data["checks"])
