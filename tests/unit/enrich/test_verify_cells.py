"""`credits verify` checks the ledger against the stored cells and runs: each bug that made a
cell, a run or the ledger disagree is put back into a real workspace here, and verify must
fail on it with one line per problem (and pass on the honest workspace)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.credits import SpendContext
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from clay_tui.services.credits import ledger_for
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table
from tests.unit.enrich.test_runner import email_column, run

_register()
NAMES = ["ann", "bob", "cat"]


@pytest.fixture
def ws(tmp_path, clock):
    w = make_ws(tmp_path, clock)
    yield w
    w.close()


@pytest.fixture
async def ran(ws, tmp_path, monkeypatch):
    """Three cells found by Prospeo (3 credits each) in run 1; verify passes."""
    FakeWorld({n: {"prospeo": "valid"} for n in NAMES}).install(monkeypatch)
    table = people_table(ws, tmp_path, NAMES)
    spec = email_column(ws, table)
    summary = await run(ws, table)
    assert summary.credits == 9
    assert credits_svc.verify_credits(ws, repair=False).ok
    return table, spec


def failing(ws) -> dict[str, list[str]]:
    report = credits_svc.verify_credits(ws, repair=False)
    return {c.name: c.problems for c in report.checks if not c.ok}


def charge(ws, spec, row: int, run_id: int, amount: int = 3) -> None:
    """What a run that should not have called does: reserve + capture for a stored cell."""
    ledger = ledger_for(ws)
    ctx = SpendContext(1, spec.id, row, "prospeo", run_id, "email_finder")
    ledger.capture(ledger.reserve(amount, f"bug:r{row}:run{run_id}", context=ctx), amount)


def new_run(ws, spec, row_set: str) -> int:
    with ws.transaction():
        return ws.db.execute(
            "INSERT INTO runs (table_id, column_id, status, row_set, pid, rows, credits)"
            " VALUES (1, ?, 'finished', ?, 1, 1, 3)",
            (spec.id, row_set),
        ).lastrowid


async def test_error_cell_keeping_its_charge_fails(ws, ran):
    """Finding 3: a waterfall step failed after a paid one; the cell was stored as an error
    with the charge kept."""
    with ws.transaction():
        ws.db.execute("UPDATE cells SET status = 'error' WHERE row_id = 2")
    problems = failing(ws)
    assert list(problems) == ["errors cost nothing"]
    assert problems["errors cost nothing"] == ["table 1 column 1 row 2: 'error' keeps 3 credits"]


async def test_failed_rerun_paying_again_fails(ws, ran):
    """Finding 3: `--failed` paid again for lookups the first run had charged for."""
    table, spec = ran
    rerun = new_run(ws, spec, "failed rows")
    charge(ws, spec, 2, rerun)
    with ws.transaction():
        ws.db.execute("UPDATE cells SET run_id = ? WHERE row_id = 2", (rerun,))
    problems = failing(ws)
    assert problems["no cell charged again by a run that was not forced"] == [
        f"table 1 column 1 row 2: charged 3 in run 1 and its result stored by run {rerun},"
        " which was not a forced re-run"
    ]


async def test_two_runs_charging_one_cell_fails(ws, ran):
    """Finding 2: a second run of the column started while the first ran; both charged the
    same cell and the cell stores one charge (ledger net 6, cell 3)."""
    table, spec = ran
    second = new_run(ws, spec, "all rows")
    charge(ws, spec, 3, second)
    assert failing(ws) == {
        "no cell charged again by a run that was not forced": [
            f"table 1 column 1 row 3: charged 3 in run {second} and its result stored by run 1,"
            " which was not a forced re-run"
        ]
    }


async def test_a_forced_rerun_passes(ws, ran, monkeypatch):
    table, spec = ran
    summary = await run(ws, table, rows=enrich.RowSelection("all", force=True))
    assert summary.credits == 9
    assert credits_svc.verify_credits(ws, repair=False).ok


async def test_cell_credits_not_matching_the_ledger_fail(ws, ran):
    with ws.transaction():
        ws.db.execute("UPDATE cells SET credits = 2 WHERE row_id = 1")
    problems = failing(ws)
    assert problems["every cell's credits equal its ledger charges"] == [
        "table 1 column 1 row 1: stores 2 credits, the ledger charged 3 in run 1"
    ]


async def test_killed_run_record_without_its_credits_fails(ws, ran):
    """Finding 3: reconcile marked a killed run interrupted and left it at 0 credits."""
    with ws.transaction():
        ws.db.execute("UPDATE runs SET status = 'interrupted', credits = 0 WHERE id = 1")
    problems = failing(ws)
    assert problems["every run's credits equal its ledger charges"] == [
        "run 1 (interrupted): records 0 credits, the ledger charged 9"
    ]


async def test_a_dead_running_run_is_checked_a_live_one_is_not(ws, ran):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with ws.transaction():
        ws.db.execute(
            "UPDATE runs SET status = 'running', credits = 0, pid = ? WHERE id = 1", (dead.pid,)
        )
    assert "every run's credits equal its ledger charges" in failing(ws)
    with ws.transaction():
        ws.db.execute("UPDATE runs SET pid = ? WHERE id = 1", (__import__("os").getpid(),))
    assert failing(ws) == {}


async def test_cli_exits_1_with_a_line_per_problem(ws, ran, tmp_path):
    with ws.transaction():
        ws.db.execute("UPDATE cells SET status = 'error' WHERE row_id IN (1, 3)")
    # the CLI opens the same workspace (CLAY_TUI_WORKSPACE is tmp_path / "ws" in tests)
    res = CliRunner().invoke(cli, ["credits", "verify"])
    assert res.exit_code == 1, res.output
    assert "FAIL  errors cost nothing" in res.output
    lines = res.output.splitlines()
    assert any(ln.strip() == "table 1 column 1 row 1: 'error' keeps 3 credits" for ln in lines)
    assert any(ln.strip() == "table 1 column 1 row 3: 'error' keeps 3 credits" for ln in lines)
    assert "Some credit invariants do not hold." in res.output


async def test_verify_right_after_a_kill_closes_the_dead_run_first(ws, ran):
    """`credits verify` (which repairs) right after a SIGKILL: the killed run is closed from
    the ledger (as the next run would) instead of reported with 0 credits."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with ws.transaction():
        ws.db.execute(
            "UPDATE runs SET status = 'running', credits = 0, pid = ? WHERE id = 1", (dead.pid,)
        )
    assert "every run's credits equal its ledger charges" in failing(ws)  # repair=False
    report = credits_svc.verify_credits(ws)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert tuple(ws.db.execute("SELECT status, credits FROM runs WHERE id = 1").fetchone()) == (
        "interrupted",
        9,
    )
