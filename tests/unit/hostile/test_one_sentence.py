"""One sentence for every failure: a damaged workspace, a full disk, out-of-range config
numbers, a config folder, bad ports, usage errors, a cancelled run, non-ASCII digits."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from tests.conftest import SAMPLE_LEADS, sandbox_raw_config
from tests.unit.hostile.cli_helpers import _MAIN, REPO, assert_one_sentence, invoke

RECIPES = REPO / "sample_tables" / "recipes"


def _config(tmp_path: Path, raw: dict | None = None) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(raw or sandbox_raw_config()), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path, sandbox_url: str) -> list[str]:
    args = ["--config", str(_config(tmp_path)), "--workspace", str(tmp_path / "ws")]
    assert invoke(*args, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    assert (
        invoke(*args, "add-column", "leads", "--recipe", str(RECIPES / "find_work_email.toml")).code
        == 0
    )
    assert invoke(*args, "run", "leads", "Work Email", "--limit", "5", "--yes").code == 0
    return args


def _corrupt(db: Path, tables: tuple[str, ...]) -> None:
    """Overwrite the root page of each of ``tables``: the file still opens, but every query
    on those tables says "database disk image is malformed" (a damaged disk sector)."""
    con = sqlite3.connect(db)
    marks = ",".join("?" * len(tables))
    roots = [
        r
        for (r,) in con.execute(
            f"SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", tables
        )
    ]
    con.close()
    assert len(roots) == len(tables)
    data = bytearray(db.read_bytes())
    for root in roots:
        start = (root - 1) * 4096
        data[start : start + 4096] = b"\xde\xad\xbe\xef" * 1024
    db.write_bytes(bytes(data))


DAMAGE = {"ledger": ("ledger",), "cells": ("cells", "runs"), "all": ("tables",)}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize(
    "verb",
    [
        ["credits"],
        ["credits", "verify"],
        ["run", "leads", "Work Email", "--limit", "2", "--yes"],
        ["run-info", "leads", "Work Email"],
        ["usage"],
        ["tables"],
        ["providers"],
    ],
)
def test_damaged_workspace_is_one_sentence(
    base, tmp_path: Path, verb: list[str], damage: str
) -> None:
    db = tmp_path / "ws" / "workspace.db"
    for extra in ("-wal", "-shm"):
        assert not Path(str(db) + extra).exists() or Path(str(db) + extra).stat().st_size == 0
    _corrupt(db, DAMAGE[damage])
    before = db.read_bytes()
    out = invoke(*base, *verb)
    if out.code == 0:  # this verb never reads the damaged table: fine, as long as it is calm
        assert out.exception is None and "Traceback" not in out.stderr
        return
    line = assert_one_sentence(out, 2, progress=verb[0] == "run")
    assert "damaged" in line and "backup" in line and "workspace repair" in line
    assert db.read_bytes() == before


class _FullDisk:
    """ws.db as SQLite behaves once the disk fills: every COMMIT fails and rolls back."""

    def __init__(self, db: sqlite3.Connection, after: int) -> None:
        self._db, self._after = db, after

    def execute(self, sql: str, *args):  # noqa: ANN002, ANN201
        if sql.strip().upper() == "COMMIT":
            self._after -= 1
            if self._after < 0:
                self._db.execute("ROLLBACK")
                raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._db, name)


def test_disk_full_during_a_run(base, tmp_path: Path, monkeypatch) -> None:
    from clay_tui.workspace import Workspace

    real_open = Workspace.open.__func__

    def open_full(cls, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        ws = real_open(cls, *a, **kw)
        ws.db = _FullDisk(ws.db, after=6)
        return ws

    monkeypatch.setattr(Workspace, "open", classmethod(open_full))
    out = invoke(*base, "run", "leads", "Work Email", "--limit", "40", "--yes")
    line = assert_one_sentence(out, 2, progress=True)
    assert "disk is full" in line and "space" in line
    monkeypatch.undo()
    verify = invoke(*base, "credits", "verify")
    assert verify.code == 0, verify.stdout + verify.stderr
    again = invoke(*base, "run", "leads", "Work Email", "--limit", "40", "--yes", "--json")
    assert again.code == 0, again.stderr
    assert invoke(*base, "credits", "verify").code == 0


@pytest.mark.parametrize(
    "section, key, value, word",
    [
        ("plan", "monthly_credits", 2**62, "monthly_credits"),
        ("plan", "monthly_credits", 2**63 - 1, "monthly_credits"),
        ("plan", "monthly_credits", -1, "monthly_credits"),
        ("plan", "trial_credits", 10**13, "trial_credits"),
        ("run", "test_rows", 0, "test_rows"),
        ("run", "confirm_above_credits", 10**15, "confirm_above_credits"),
        ("run", "low_credit_warning", -5, "low_credit_warning"),
        ("sandbox", "port", -1, "port"),
        ("sandbox", "port", 70000, "port"),
        ("sandbox", "latency_ms", -3.0, "latency_ms"),
        ("sandbox", "latency_ms", float("nan"), "latency_ms"),
        ("sandbox", "jitter_ms", float("inf"), "jitter_ms"),
    ],
)
def test_config_numbers_are_range_checked(tmp_path: Path, section, key, value, word) -> None:
    raw = sandbox_raw_config()
    raw[section][key] = value
    if section == "plan":
        raw["plan"]["billing"] = "annual"
    out = invoke(
        "--config", str(_config(tmp_path, raw)), "--workspace", str(tmp_path / "ws"), "credits"
    )
    line = assert_one_sentence(out, 2, contains=word)
    assert "config.toml" in line
    assert not (tmp_path / "ws" / "workspace.db").exists()


@pytest.mark.parametrize(
    "key, value",
    [
        ("timeout_s", 0),
        ("timeout_s", -1.0),
        ("timeout_s", float("nan")),
        ("concurrency", 0),
        ("max_retries", -1),
        ("max_retries", 1000),
        ("rate_per_second", -2.0),
        ("rate_per_minute", float("inf")),
        ("credits", {"email_finder": 10**13}),
        ("credits", {"email_finder": -1}),
    ],
)
def test_provider_numbers_are_range_checked(tmp_path: Path, key, value) -> None:
    raw = sandbox_raw_config()
    raw["providers"]["hunter"][key] = value
    out = invoke("--config", str(_config(tmp_path, raw)), "credits")
    assert_one_sentence(out, 2, contains=f"providers.hunter.{key}")


@pytest.mark.parametrize(
    "faults",
    [
        {"throttle_429": 0.9, "server_error_500": 0.9},
        {"timeout": 1.5},
        {"timeout": -0.1},
    ],
)
def test_fault_rates(tmp_path: Path, faults: dict) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"]["faults"] = {"hunter": faults}
    assert_one_sentence(
        invoke("--config", str(_config(tmp_path, raw)), "credits"),
        2,
        contains="sandbox.faults.hunter",
    )


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    folder.mkdir()
    assert_one_sentence(invoke("--config", str(folder), "credits"), 2, contains="is a folder")


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_sandbox_bad_port(port: str) -> None:
    assert_one_sentence(invoke("sandbox", "--port", port), 2, contains="port")


@pytest.mark.parametrize(
    "args, word",
    [
        (["run"], "missing argument"),
        (["run", "leads"], "missing argument"),
        (["credits", "--bogus"], "no such option"),
        (["run-info", "a", "b", "--json", "--nope"], "no such option"),
        (["run", "t", "c", "--limit", "ten"], "limit"),
        (["usage", "--by", "x", "--json", "--csv", "--out"], "requires an argument"),
        (["export"], "missing argument"),
        (["--workspace"], "requires an argument"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], word: str) -> None:
    line = assert_one_sentence(invoke(*args), 2, contains=word)
    assert "--help" in line


@pytest.mark.parametrize("amount", ["٣", "³", "３", "1e3", "0x10", "10000000000000", "٣٣"])
def test_buy_refuses_anything_but_ascii_digits(tmp_path: Path, amount: str) -> None:
    args = ["--workspace", str(tmp_path / "ws")]
    before = invoke(*args, "credits", "--json").stdout
    assert_one_sentence(invoke(*args, "credits", "buy", amount), 2)
    assert invoke(*args, "credits", "--json").stdout == before


def test_run_info_says_local_for_cleaning_columns(tmp_path: Path) -> None:
    args = ["--workspace", str(tmp_path / "ws")]
    assert invoke(*args, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    recipe = str(RECIPES / "cleaning.toml")
    assert invoke(*args, "add-column", "leads", "--recipe", recipe).code == 0
    assert invoke(*args, "run", "leads", "Domain", "--yes").code == 0
    text = invoke(*args, "run-info", "leads", "Domain").stdout
    column = next(ln for ln in text.splitlines() if ln.startswith("Column"))
    assert "local" in column and "live" not in column and "sandbox" not in column


def _wait_for_a_paid_call(db_path: Path, proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Until the run has reserved for its first cell: Ctrl-C then stops a run under way (a
    fixed sleep, on a loaded machine, sent it before the process had started the run)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            db = sqlite3.connect(db_path, timeout=5)
            try:
                if db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]:
                    return
            finally:
                db.close()
        except sqlite3.OperationalError:  # not created yet
            pass
        time.sleep(0.1)
    raise AssertionError("the run never reserved for a cell")


def test_a_cancelled_run_exits_130(tmp_path: Path) -> None:
    raw = sandbox_raw_config(concurrency=1)
    raw["sandbox"].update(latency_ms=150, jitter_ms=0)
    args = ["--config", str(_config(tmp_path, raw)), "--workspace", str(tmp_path / "ws")]
    assert invoke(*args, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    assert (
        invoke(*args, "add-column", "leads", "--recipe", str(RECIPES / "find_work_email.toml")).code
        == 0
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _MAIN,
            *args,
            "run",
            "leads",
            "Work Email",
            "--limit",
            "100",
            "--yes",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_a_paid_call(tmp_path / "ws" / "workspace.db", proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err[-1500:])
    assert "stopped" in out and "Traceback" not in err  # cells and Run Info say "stopped"


@pytest.mark.parametrize(
    "params, word",
    [
        ({"max_tokens": -5}, "max_tokens"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": 10**9}, "max_tokens"),
        ({"prompt": "x" * 100_001}, "prompt"),
    ],
)
def test_ai_column_numbers_and_sizes(tmp_path: Path, params: dict, word: str) -> None:
    args = ["--workspace", str(tmp_path / "ws")]
    assert invoke(*args, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    recipe = tmp_path / "ai.toml"
    column = {
        "name": "Pitch",
        "action": "ai_prompt",
        "params": {"prompt": "Hi {{company}}", "model": "gpt-4o-mini", **params},
    }
    recipe.write_text(tomli_w.dumps({"column": [column]}), encoding="utf-8")
    assert_one_sentence(
        invoke(*args, "add-column", "leads", "--recipe", str(recipe)), 2, contains=word
    )


def test_run_info_screen_says_local_for_cleaning_columns(sbx_ws, leads) -> None:
    from rich.console import Console

    from clay_tui.services import enrich
    from clay_tui.ui.screens.run_info_screen import run_info_table

    for spec in enrich.load_recipe(RECIPES / "cleaning.toml"):
        enrich.add_column(sbx_ws, leads, spec)
    spec = enrich.get_column(sbx_ws, leads, "Domain")
    console = Console(width=120, record=True)
    console.print(run_info_table(enrich.run_info(sbx_ws, leads, "Domain"), spec))
    mode = next(ln for ln in console.export_text().splitlines() if ln.startswith("Mode"))
    assert "local" in mode and "sandbox" not in mode and "live" not in mode


def test_disk_full_while_saving_the_table(base, monkeypatch) -> None:
    """ENOSPC from the Parquet snapshot at the end of a run: one sentence; the cells and
    charges are already in workspace.db, so verify holds and a re-run charges nothing."""
    import errno

    from clay_tui.table.lead_table import LeadTable

    def full(self, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device", "tables/1.parquet")

    monkeypatch.setattr(LeadTable, "save", full)
    out = invoke(*base, "run", "leads", "Work Email", "--limit", "12", "--yes")
    line = assert_one_sentence(out, 2, progress=True)
    assert "disk is full" in line and "MB" in line
    monkeypatch.undo()
    assert invoke(*base, "credits", "verify").code == 0
    # the 12 stored cells count as done: a re-run of every row would not call for them again
    again = invoke(*base, "run", "leads", "Work Email", "--all", "--dry-run", "--json")
    assert again.code == 0 and json.loads(again.stdout)["already_done"] >= 12
