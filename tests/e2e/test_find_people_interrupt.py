"""Ctrl-C a real `clay-tui find-people` while it pages: exit 130, every page that arrived is
in the table (each was committed as it came), and no clay-tui credit moved."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import tomli_w

from tests.conftest import sandbox_raw_config

REPO = Path(__file__).resolve().parents[2]


def test_ctrl_c_keeps_the_pages_that_arrived(tmp_path: Path) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"].update(latency_ms=0, jitter_ms=0)
    (tmp_path / "config.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp_path / "ws"), "PYTHONPATH": str(REPO)}
    env["CLAY_TUI_SANDBOX_RATE_LIMITS"] = "on"  # pages come at Prospeo's 5 a second
    args = ["--config", str(tmp_path / "config.toml"), "find-people", "--country", "US"]
    args += ["--seniority", "Director", "--limit", "2000", "--into", "dirs"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from clay_tui.cli.main import main; main()", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # one progress line per page when stderr is not a terminal
        if "page 3/80" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "the pages that arrived are kept" in err
    db = sqlite3.connect(tmp_path / "ws" / "workspace.db")
    try:
        (table_id,) = db.execute("SELECT id FROM tables WHERE name = 'dirs'").fetchone()
        rows = db.execute(
            "SELECT payload FROM table_journal WHERE table_id = ? AND op = 'merge'", (table_id,)
        ).fetchall()
        assert 3 <= len(rows) < 80  # one journal entry a page, stopped early
        has_ledger = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger'"
        ).fetchone()
        if has_ledger:  # the search never opened the ledger; if anything did, it holds no spend
            assert db.execute("SELECT COUNT(*) FROM ledger WHERE kind != 'grant'").fetchone() == (
                0,
            )
    finally:
        db.close()
