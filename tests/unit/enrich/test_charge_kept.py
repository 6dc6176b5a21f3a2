"""Charge only for what is kept: a cell that ends in error costs nothing, even when an earlier
step of its waterfall was paid, so re-running failed cells pays each lookup once and ends
where a fault-free run ends. Run records equal the ledger's sums, after a crash too."""

from __future__ import annotations

import subprocess
import sys

import pytest

from clay_tui.enrich.reconcile import reconcile
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from clay_tui.services.credits import ledger_for
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table
from tests.unit.enrich.test_runner import (
    assert_books_balance,
    available,
    cells,
    email_column,
    run,
)


@pytest.fixture
def ws(tmp_path, clock):
    w = make_ws(tmp_path, clock)
    yield w
    w.close()


def ledger_net(ws, **where: int) -> int:
    cond = " AND ".join(f"{k} = ?" for k in where)
    return ws.db.execute(
        "SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE kind IN ('capture', 'refund')"
        f" AND {cond}",
        tuple(where.values()),
    ).fetchone()[0]


async def test_error_after_a_paid_step_keeps_no_charge_and_rerun_pays_once(
    ws, tmp_path, monkeypatch
):
    # gil: Prospeo finds an email the verifier calls invalid (verifier paid), then Hunter fails
    world = FakeWorld({"gil": {"prospeo": "invalid", "hunter": "error"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["gil"])
    spec = email_column(ws, table)
    start = available(ws)
    first = await run(ws, table)
    assert first.counts == {"error": 1}
    got = cells(ws, table)[1]
    assert got["status"] == "error" and got["credits"] == 0
    assert first.credits == 0 and available(ws) == start  # errors cost nothing
    assert ledger_net(ws, column_id=spec.id, row_id=1) == 0
    assert_books_balance(ws)

    world.finders["gil"]["hunter"] = "valid"  # the outage is over
    again = await run(ws, table, rows=enrich.RowSelection("failed"))
    assert again.counts == {"found": 1}
    # what a fault-free run costs: verify 1 (prospeo's email refused, finder refunded),
    # hunter 2, verify 1
    assert start - available(ws) == 4 == cells(ws, table)[1]["credits"]
    assert ledger_net(ws, column_id=spec.id, row_id=1) == 4
    assert_books_balance(ws)


async def test_verifier_error_ends_the_cell_and_the_rerun_matches_a_fault_free_run(
    ws, tmp_path, monkeypatch
):
    world = FakeWorld(
        {
            "hal": {"prospeo": "valid", "hunter": "valid"},
            "ivy": {"prospeo": "valid", "hunter": "valid"},
        }
    )
    world.verify_errors = {"hal"}
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["hal", "ivy"])
    email_column(ws, table)
    start = available(ws)
    first = await run(ws, table)
    assert first.counts == {"error": 1, "found": 1}
    # the order of the waterfall is the user's: a failed check does not hand hal to Hunter
    assert world.finder_calls("hunter") == []
    got = cells(ws, table)
    assert got[1]["status"] == "error" and got[1]["credits"] == 0
    assert "verifier failed" in got[1]["error"] and got[1]["provider"] == "hunter"
    assert start - available(ws) == 3
    # nothing was charged and refunded for hal: the holds were released
    assert (
        ws.db.execute(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'capture' AND row_id = 1"
        ).fetchone()[0]
        == 0
    )
    world.verify_errors = set()
    again = await run(ws, table, rows=enrich.RowSelection("failed"))
    assert again.counts == {"found": 1}
    got = cells(ws, table)
    assert [c["provider"] for c in got.values()] == ["prospeo", "prospeo"]
    assert [c["credits"] for c in got.values()] == [3, 3]
    assert start - available(ws) == 6
    assert_books_balance(ws)


async def test_an_error_cell_never_keeps_a_charge(ws, tmp_path, monkeypatch):
    # Prospeo is out for the run (passed over), Hunter's email is refused by the verifier
    # (a paid check): the cell ends as an error, so the check is not charged
    world = FakeWorld({"kim": {"prospeo": "stopped", "hunter": "invalid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["kim"])
    email_column(ws, table)
    start = available(ws)
    summary = await run(ws, table)
    assert summary.counts == {"error": 1} and world.finder_calls("hunter") == ["kim"]
    assert cells(ws, table)[1]["credits"] == 0 and available(ws) == start
    assert_books_balance(ws)


async def test_a_forced_rerun_that_errors_keeps_the_paid_result(ws, tmp_path, monkeypatch):
    world = FakeWorld({"jo": {"prospeo": "valid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["jo"])
    email_column(ws, table)
    await run(ws, table)
    before = cells(ws, table)[1]
    world.verify_errors = {"jo"}
    forced = await run(ws, table, rows=enrich.RowSelection("all", force=True))
    assert forced.credits == 0 and forced.counts == {"error": 1}
    after = cells(ws, table)[1]
    assert after["status"] == "found" and after["credits"] == before["credits"] == 3
    assert after["value"] == before["value"]
    assert_books_balance(ws)


async def test_reconcile_gives_a_killed_run_the_credits_the_ledger_holds(ws, tmp_path, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in ("ka", "kb", "kc")})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["ka", "kb", "kc"])
    email_column(ws, table)
    summary = await run(ws, table)
    assert summary.credits == 9
    # as a SIGKILL leaves it: results and captures committed, the run record never finished
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with ws.transaction():
        ws.db.execute(
            "UPDATE runs SET status = 'running', credits = 0, finished_at = NULL,"
            " pid = ? WHERE id = ?",
            (dead.pid, summary.run_id),
        )
    reconcile(ws, ledger_for(ws))
    row = ws.db.execute(
        "SELECT status, credits FROM runs WHERE id = ?", (summary.run_id,)
    ).fetchone()
    assert row["status"] == "interrupted"
    assert row["credits"] == ledger_net(ws, run_id=summary.run_id) == 9
    report = credits_svc.verify_credits(ws, repair=False)
    assert report.ok, report.checks


async def test_a_forced_estimate_says_which_paid_cells_are_paid_again(ws, tmp_path, monkeypatch):
    world = FakeWorld(
        {
            "lu": {"prospeo": "valid"},
            "mo": {"prospeo": "none", "hunter": "none"},
            "ned": {"prospeo": "valid"},
        }
    )
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["lu", "mo", "ned"])
    email_column(ws, table)
    await run(ws, table, rows=enrich.RowSelection("first", limit=2))
    plain = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("all"))
    assert plain.already_done == 2 and plain.rows_to_run == 1 and plain.paid_again == 0
    forced = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("all", force=True))
    # lu was paid for (3 credits) and is paid again; mo cost nothing
    assert forced.rows_to_run == 3 and forced.paid_again == 1
    assert forced.as_dict()["paid_again"] == 1
    from clay_tui.ui.screens.run_dialog import estimate_lines

    assert "Forced: 1 row already paid for is paid again" in estimate_lines(forced)
    assert not any("Forced" in line for line in estimate_lines(plain))


def test_the_cli_estimate_says_paid_again() -> None:
    from clay_tui.cli.enrich_cmds import _estimate_text
    from clay_tui.enrich.estimate import Estimate

    est = Estimate("E", 3, 3, 0, 0, 0, 18, 9, "history", 6, paid_again=2)
    assert _estimate_text(est).endswith("Forced: 2 row(s) already paid for will be paid again.")
