"""SIGKILL a real `clay-tui run` once it has paid for some results, then export: every
paid result stored in workspace.db is in the exported file (the snapshot never got them)."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import tomli_w

from clay_tui.table.sample_data import numbered_copies
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "sample_tables" / "recipes" / "find_work_email.toml"
ROWS = 200


def _cli(tmp: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp / "ws"), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from clay_tui.cli.main import main; main()",
            "--config",
            str(tmp / "config.toml"),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ok(tmp: Path, *args: str) -> str:
    proc = _cli(tmp, *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def test_export_after_sigkill_carries_every_paid_result(tmp_path: Path) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"].update(latency_ms=20, jitter_ms=5)
    raw["plan"]["monthly_credits"] = 10_000
    (tmp_path / "config.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")
    big = numbered_copies(SAMPLE_LEADS, tmp_path / "big.csv", ROWS)
    _ok(tmp_path, "import", str(big), "--name", "big")
    _ok(tmp_path, "add-column", "big", "--recipe", str(RECIPE))

    proc = _cli(tmp_path, "run", "big", "Work Email", "--all", "--yes")
    db_path = tmp_path / "ws" / "workspace.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
            found = db.execute("SELECT COUNT(*) FROM cells WHERE status = 'found'").fetchone()[0]
            db.close()
        except sqlite3.OperationalError:
            continue
        if found >= 20:
            break
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    db = sqlite3.connect(db_path, timeout=10)
    paid = {
        rid: json.loads(value)["email"]
        for rid, value in db.execute(
            "SELECT row_id, value FROM cells WHERE status = 'found' AND credits > 0"
        )
    }
    db.close()
    assert len(paid) >= 20

    out = tmp_path / "out.csv"
    _ok(tmp_path, "export", "big", str(out))
    with out.open(newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert len(exported) == ROWS
    assert {rid: exported[rid - 1]["Work Email"] for rid in paid} == paid
