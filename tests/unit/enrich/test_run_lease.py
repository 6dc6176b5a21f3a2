"""A run on another machine of a team workspace is judged by its lease, never by this
machine's process table (its pid means nothing here)."""

from __future__ import annotations

import os

import pytest

from clay_tui.clock import iso
from clay_tui.credits import SpendContext
from clay_tui.errors import ClayError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table
from tests.unit.enrich.test_runner import available, cells, email_column, run

DEAD_PID = 2**22 + 12345  # no such process on this machine


@pytest.fixture
def ws(tmp_path, clock, workspace_backend):
    w = make_ws(tmp_path, clock, target=workspace_backend)
    yield w
    w.close()


def other_machines_run(ws, table, spec, row_id: int, *, lease_s: float) -> int:
    """A run of ``spec`` with one paid call in flight, as another machine left it."""
    assert not os.path.exists(f"/proc/{DEAD_PID}")
    from datetime import timedelta

    lease = iso(ws.clock.now() + timedelta(seconds=lease_s))
    ledger = credits_svc.ledger_for(ws)
    with ws.transaction():
        run_id = ws.db.execute(
            "INSERT INTO runs (table_id, column_id, status, pid, host, lease_until)"
            " VALUES (?,?,?,?,?,?) RETURNING id",
            (table.id, spec.id, "running", DEAD_PID, "another-machine", lease),
        ).fetchone()[0]
        key = f"far-{run_id}"
        with pytest.MonkeyPatch.context() as mp:  # the hold names that machine, as its would
            mp.setattr("clay_tui.credits.ledger.this_host", lambda: "another-machine")
            ctx = SpendContext(table.id, spec.id, row_id, "prospeo", run_id)
            ledger.reserve(2, key, context=ctx)
        ws.db.execute(
            "INSERT INTO attempts (key, table_id, column_id, row_id, run_id, step, provider, op,"
            " amount, state) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, table.id, spec.id, row_id, run_id, 0, "prospeo", "email_finder", 2, "started"),
        )
    return run_id


async def test_a_live_lease_keeps_another_machines_run_and_its_hold(ws, tmp_path, monkeypatch):
    FakeWorld({"kim": {"prospeo": "valid"}}).install(monkeypatch)
    table = people_table(ws, tmp_path, ["kim"])
    spec = email_column(ws, table)
    before = available(ws)
    other_machines_run(ws, table, spec, 1, lease_s=60)
    assert enrich.reconcile_runs(ws) == 0  # its pid is dead here, but it runs there
    assert available(ws) == before - 2
    with pytest.raises(ClayError, match="already running in run"):
        await run(ws, table)  # the column is claimed by the live run over there
    report = credits_svc.verify_credits(ws, repair=True)
    assert "Released" not in " ".join(report.actions)  # verify keeps its hold too
    assert available(ws) == before - 2


async def test_an_expired_lease_is_a_crashed_machine(ws, tmp_path, monkeypatch, clock):
    world = FakeWorld({"kim": {"prospeo": "valid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["kim"])
    spec = email_column(ws, table)
    before = available(ws)
    other_machines_run(ws, table, spec, 1, lease_s=60)
    clock.advance(seconds=61)
    assert enrich.reconcile_runs(ws) == 1
    assert available(ws) == before
    assert cells(ws, table)[1]["status"] == "interrupted"
    summary = await run(ws, table)  # the column is free again
    assert summary.counts == {"found": 1}
    report = credits_svc.verify_credits(ws, repair=False)
    assert all(c.ok for c in report.checks), report.checks
