"""Crash recovery: attempts that never got an outcome are released and marked.

An attempt row is committed before every paid call; the cell's final transaction
settles it. An attempt still "started" whose run is gone (process dead, or the run
no longer live in this process) had its call interrupted: its hold is released
(never charged: no result was stored) and the cell says "interrupted".
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from clay_tui.clock import iso
from clay_tui.credits import Ledger
from clay_tui.enrich import store
from clay_tui.processes import pid_alive, this_host
from clay_tui.states import RESULT, AttemptState, CellState, RunStatus
from clay_tui.workspace import Workspace

LIVE_RUNS: set[int] = set()  # run ids being executed by this process
# A run names its machine and holds a lease it renews while it runs (every third of it):
# on a team workspace another machine cannot ask this one's process table, it reads the lease.
RUN_LEASE = timedelta(minutes=2)


def lease_end(ws: Workspace) -> str:
    return iso(ws.clock.now() + RUN_LEASE)


def _run_alive(ws: Workspace, run: Any) -> bool:
    """A run marked "running" is live while its process runs it (in this process: while it
    is in LIVE_RUNS; a run this process left behind, e.g. a cancelled task, is not). A run
    on another machine is live while its lease lasts."""
    host = run["host"] if "host" in run.keys() else None
    if host and host != this_host():
        return bool(run["lease_until"]) and run["lease_until"] > iso(ws.clock.now())
    if run["pid"] == os.getpid():
        return run["id"] in LIVE_RUNS
    return pid_alive(run["pid"])


def reconcile(ws: Workspace, ledger: Ledger) -> int:
    """Release and mark what dead runs left behind; returns the number of cells interrupted."""
    store.ensure(ws)
    runs = ws.db.execute(
        "SELECT id, pid, host, lease_until FROM runs WHERE status = ?", (RunStatus.RUNNING,)
    ).fetchall()
    dead = [r["id"] for r in runs if not _run_alive(ws, r)]
    live = {r["id"] for r in runs} - set(dead)
    # open attempts of any run that is not live (a dead one, or one that ended without
    # settling them), found through the partial index on state = 'started' (SQLite plans
    # with the bound value: the index is used)
    attempts = [
        a
        for a in ws.db.execute("SELECT * FROM attempts WHERE state = ?", (AttemptState.STARTED,))
        if a["run_id"] not in live
    ]
    if not dead and not attempts:
        return 0
    now = iso(ws.clock.now())
    interrupted = 0
    with ws.transaction():
        for a in attempts:
            res = ledger.find_reservation(a["key"])
            if res is not None:
                ledger.release(res, "interrupted: the run ended before the call's outcome")
            ws.db.execute(
                "UPDATE attempts SET state = ?, finished_at = ? WHERE id = ?",
                (AttemptState.INTERRUPTED, now, a["id"]),
            )
            cell = ws.db.execute(
                "SELECT status FROM cells WHERE table_id = ? AND column_id = ? AND row_id = ?",
                (a["table_id"], a["column_id"], a["row_id"]),
            ).fetchone()
            if cell is None or cell["status"] not in RESULT:
                store.write_cell(
                    ws,
                    table_id=a["table_id"],
                    column_id=a["column_id"],
                    row_id=a["row_id"],
                    status=CellState.INTERRUPTED,
                    value=None,
                    provider=a["provider"],
                    credits=0,
                    run_id=a["run_id"],
                    at=now,
                    error="The run stopped (crash or kill) during this call; nothing was charged.",
                    sandbox=None,
                )
                interrupted += 1
        for run_id in dead:  # a killed run never wrote its total: take it from the ledger
            ws.db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, credits = ? WHERE id = ?",
                (RunStatus.INTERRUPTED, now, store.run_credits(ws, run_id), run_id),
            )
    return interrupted
