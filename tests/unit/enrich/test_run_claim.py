"""One run per column at a time: claiming the column is atomic with creating the run
(DESIGN invariant 8), a second run names the run that holds it, and ``wait`` waits for it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest

from clay_tui.enrich import runner as runner_mod
from clay_tui.errors import ClayError
from clay_tui.providers.registry import Providers
from clay_tui.services import enrich, tables
from clay_tui.workspace import Workspace
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table
from tests.unit.enrich.test_runner import email_column

NAMES = [f"p{i}" for i in range(12)]


@pytest.fixture
def ws(tmp_path, clock):
    w = make_ws(tmp_path, clock)
    yield w
    w.close()


def _run_in_thread(settings, clock, table_name: str, out: list, **kw) -> threading.Thread:
    """A second "process": its own Workspace (own SQLite connection), its own event loop."""

    def body() -> None:
        other = Workspace.open(settings, clock)
        try:
            table = tables.open_table(other, table_name)

            async def go():  # noqa: ANN202
                providers = Providers(other.settings, sandbox_url="http://127.0.0.1:9")
                try:
                    return await enrich.run_column(
                        other,
                        table,
                        "Work Email",
                        enrich.RowSelection("all"),
                        providers=providers,
                        **kw,
                    )
                finally:
                    await providers.aclose()

            out.append(asyncio.run(go()))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out.append(exc)
        finally:
            other.close()

    t = threading.Thread(target=body)
    t.start()
    return t


def _slow_planning(monkeypatch, seconds: float = 0.4) -> None:
    """Widen the window between "is the column free?" and "the run exists" (planning a
    50,000-row table takes this long), so two starts overlap every time."""
    real = runner_mod.plan_rows

    def slow(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        time.sleep(seconds)
        return real(*a, **kw)

    monkeypatch.setattr(runner_mod, "plan_rows", slow)


def test_two_runs_started_together_only_one_runs(ws, tmp_path, clock, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in NAMES})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, NAMES)
    email_column(ws, table)
    table.save()
    _slow_planning(monkeypatch)
    results: list = []
    threads = [_run_in_thread(ws.settings, clock, "people", results) for _ in range(2)]
    for t in threads:
        t.join(timeout=60)
    errors = [r for r in results if isinstance(r, Exception)]
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], ClayError)
    msg = str(errors[0])
    assert "already running" in msg and f"run {done[0].run_id}" in msg
    assert f"(process {os.getpid()}, started 2026-11-15 12:00:00 UTC)" in msg
    # each person was looked up (and paid) once
    assert sorted(world.finder_calls("prospeo")) == sorted(NAMES)
    charged = ws.db.execute("SELECT -SUM(amount) FROM ledger WHERE kind = 'capture'").fetchone()[0]
    assert charged == done[0].credits == 3 * len(NAMES)
    # the refused start left no run behind
    assert ws.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_wait_runs_after_the_holder_and_pays_nothing_twice(ws, tmp_path, clock, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in NAMES})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, NAMES)
    email_column(ws, table)
    table.save()
    _slow_planning(monkeypatch, 0.2)
    results: list = []
    first = _run_in_thread(ws.settings, clock, "people", results)
    time.sleep(0.05)
    second = _run_in_thread(ws.settings, clock, "people", results, wait=True)
    first.join(timeout=60)
    second.join(timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == 2
    assert sorted(r.credits for r in results) == [0, 3 * len(NAMES)]
    assert sorted(world.finder_calls("prospeo")) == sorted(NAMES)


def test_a_dead_holder_does_not_block(ws, tmp_path, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in NAMES[:2]})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, NAMES[:2])
    spec = email_column(ws, table)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO runs (table_id, column_id, started_at, status, pid, rows,"
            " credits) VALUES (?,?,?,?,?,?,?)",
            (table.id, spec.id, "2026-11-15T11:00:00", "running", dead.pid, 2, 0),
        )

    async def go():  # noqa: ANN202
        providers = Providers(ws.settings, sandbox_url="http://127.0.0.1:9")
        try:
            return await enrich.run_column(
                ws, table, "Work Email", enrich.RowSelection("all"), providers=providers
            )
        finally:
            await providers.aclose()

    summary = asyncio.run(go())
    assert summary.counts == {"found": 2}
    assert ws.db.execute("SELECT status FROM runs WHERE id = 1").fetchone()[0] == "interrupted"


async def test_stopping_a_waiting_run_runs_nothing(ws, tmp_path, monkeypatch):
    """Ctrl-C while waiting for the holder: even if the holder ends at that moment, the waiting
    run does not start (it would mark every cell "cancelled")."""
    FakeWorld({n: {"prospeo": "valid"} for n in NAMES[:3]}).install(monkeypatch)
    table = people_table(ws, tmp_path, NAMES[:3])
    spec = email_column(ws, table)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO runs (table_id, column_id, started_at, status, pid, rows,"
            " credits) VALUES (?,?,?,?,?,?,?)",
            (table.id, spec.id, "2026-11-15T11:00:00+00:00", "running", holder.pid, 3, 0),
        )
    cancel = asyncio.Event()
    said: list[str] = []

    def holder_ends_and_user_stops() -> None:
        holder.kill()
        holder.wait()
        cancel.set()

    asyncio.get_running_loop().call_later(0.4, holder_ends_and_user_stops)
    providers = Providers(ws.settings, sandbox_url="http://127.0.0.1:9")
    try:
        with pytest.raises(ClayError, match="stopped while waiting"):
            await enrich.run_column(
                ws,
                table,
                "Work Email",
                enrich.RowSelection("all"),
                providers=providers,
                cancel=cancel,
                wait=True,
                on_wait=said.append,
            )
    finally:
        await providers.aclose()
        if holder.poll() is None:
            holder.kill()
    assert said == [
        "Column Work Email is already running in run 1 (process "
        f"{holder.pid}, started 2026-11-15 11:00:00 UTC); waiting for it to finish."
    ]
    assert ws.db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
