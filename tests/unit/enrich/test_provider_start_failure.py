"""A provider that cannot start (the sandbox's port taken or out of range) ends the run at
once with one sentence and exit code 2: no hang, nothing charged, the books balance."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from clay_tui.config import parse_settings
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

REPO = Path(__file__).resolve().parents[3]
RECIPE = REPO / "sample_tables" / "recipes" / "find_work_email.toml"


def _cli(tmp: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp / "ws"), "PYTHONPATH": str(REPO)}
    try:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "from clay_tui.cli.main import main; main()",
                "--config",
                str(tmp / "config.toml"),
                *args,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"clay-tui {' '.join(args)} hung (no answer in {timeout} s)")


@pytest.fixture
def busy_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.parametrize("where", ["taken", "out of range"])
def test_a_sandbox_that_cannot_start_ends_the_run_in_one_sentence(
    tmp_path: Path, busy_port: int, where: str
) -> None:
    raw = sandbox_raw_config()
    with Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws")) as ws:
        table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        for spec in enrich.load_recipe(RECIPE):
            enrich.add_column(ws, table, spec)
        table.save()
        before = credits_svc.balance(ws).available
    raw["sandbox"]["port"] = busy_port if where == "taken" else 70000
    (tmp_path / "config.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")

    run = _cli(tmp_path, "run", "leads", "Work Email", "--limit", "5", "--yes", timeout=30)
    assert run.returncode == 2, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("clay-tui: ") and "sandbox" in last and "Traceback" not in run.stderr
    assert last.endswith(".")

    raw["sandbox"]["port"] = 0  # (70000 is now refused when the config is read, in one sentence)
    with Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws")) as ws:
        balance = credits_svc.balance(ws)
        assert balance.reserved == 0 and balance.available == before
        charged = ws.db.execute(
            "SELECT COUNT(*) FROM ledger WHERE kind IN ('capture', 'reserve')"
        ).fetchone()[0]
        calls = ws.db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        running = ws.db.execute("SELECT COUNT(*) FROM runs WHERE status = 'running'").fetchone()[0]
        assert (charged, calls, running) == (0, 0, 0)
        report = credits_svc.verify_credits(ws, repair=False)
        assert all(c.ok for c in report.checks), report.checks


async def test_a_provider_worker_that_cannot_start_never_leaves_a_cell_waiting(
    sbx_ws, leads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a provider not started up front (the worker builds its client) answers every
    cell: the run ends, nothing is charged."""
    from clay_tui.errors import ProviderError
    from clay_tui.providers.registry import Providers

    for spec in enrich.load_recipe(RECIPE):
        enrich.add_column(sbx_ws, leads, spec)
    before = credits_svc.balance(sbx_ws).available

    def broken(self, name):
        raise ProviderError(f"Provider {name} cannot start.")

    monkeypatch.setattr(Providers, "start", lambda self, names: None)
    monkeypatch.setattr(Providers, "client", broken)
    summary = await asyncio.wait_for(
        enrich.run_column(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=5)),
        timeout=20,
    )
    assert summary.credits == 0 and set(summary.counts) <= {"error", "skipped"}
    assert credits_svc.balance(sbx_ws).available == before
    assert credits_svc.balance(sbx_ws).reserved == 0
