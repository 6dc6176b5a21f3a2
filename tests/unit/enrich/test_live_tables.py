"""Live tables: an open table sees another process's edits and enrichment results arrive,
as the ``TableChange``s the screen already handles, on a folder and on a team workspace
(PostgreSQL: the watcher hears commits through LISTEN/NOTIFY).

``a`` is the TUI (it follows the table), ``b`` another process on the same workspace."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich
from clay_tui.services import tables as ts
from clay_tui.services.live import TableFollower, follow_table
from clay_tui.states import CellState
from clay_tui.table.changes import TableChange
from clay_tui.workspace import changes
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws

DOMAIN = ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"})


@pytest.fixture
def two(tmp_path: Path, clock, sandbox_url, workspace_backend: str):
    ws_a = make_ws(tmp_path, clock, target=workspace_backend)
    ws_b = make_ws(tmp_path, clock, target=workspace_backend)
    a = ts.import_table(ws_a, SAMPLE_LEADS, name="leads")
    a.wait_for_snapshot()
    enrich.add_column(ws_a, a, DOMAIN)
    b = ts.get_table(ws_b, a.id)
    yield ws_a, a, ws_b, b
    ws_a.close()
    ws_b.close()


def _stored(ws, table_id: int) -> dict[int, str | None]:
    rows = ws.db.execute(
        "SELECT row_id, value FROM cells WHERE table_id = ? AND status = ?",
        (table_id, CellState.FOUND),
    ).fetchall()
    return {r["row_id"]: json.loads(r["value"])["domain"] for r in rows}


def test_results_another_process_commits_arrive_with_their_states(two) -> None:
    ws_a, a, ws_b, b = two
    follower = TableFollower(ws_a, a)
    heard: list[TableChange] = []
    a.subscribe(heard.append)
    asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=5)))
    found = _stored(ws_b, a.id)
    assert len(found) == 5
    assert all(a.row(rid)["Domain"] is None for rid in found)  # not here yet
    follower.catch_up()
    assert {rid: a.row(rid)["Domain"] for rid in found} == found
    results = [c for c in heard if c.kind == "results"]
    assert results and all(c.remote for c in results)  # b's to chain, not a's auto-update
    assert {rid: s for c in results for rid, s in (c.states or {}).items()} == dict.fromkeys(
        found, CellState.FOUND
    )
    heard.clear()
    follower.catch_up()  # only what is new is read: nothing now
    assert heard == []
    asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=3)))
    follower.catch_up()
    new = set(_stored(ws_b, a.id)) - set(found)
    assert len(new) == 3
    assert {rid for c in heard for rid in c.row_ids} == new  # the three new cells, no more


def test_edits_and_a_rerun_of_the_same_cells_arrive(two) -> None:
    ws_a, a, ws_b, b = two
    follower = TableFollower(ws_a, a)
    asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=2)))
    follower.catch_up()
    b.set_cell(1, "company_domain", "https://www.Changed.example/x")
    asyncio.run(
        enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("ids", ids=(1,), force=True))
    )
    follower.catch_up()
    assert a.row(1)["company_domain"] == "https://www.Changed.example/x"
    assert a.row(1)["Domain"] == "changed.example"  # the same cell, written again


def test_the_watcher_brings_them_without_asking(two, monkeypatch) -> None:
    """What the screen does: ``follow_table``; b's edit and results reach a's listener from
    the watcher thread within a tick or two."""
    ws_a, a, ws_b, b = two
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 0.02)
    heard: list[TableChange] = []
    got = threading.Event()

    def listener(change: TableChange) -> None:
        heard.append(change)
        if change.kind == "results":
            got.set()

    stop = follow_table(ws_a, a, listener)
    try:
        b.set_cell(3, "first_name", "Zed")
        asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=3)))
        assert got.wait(10)
        deadline = time.monotonic() + 10
        while a.row(3)["first_name"] != "Zed" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert a.row(3)["first_name"] == "Zed"
        assert any(c.kind == "set" and c.remote and c.row_ids == (3,) for c in heard)
    finally:
        stop()
    assert not changes.watcher_for(ws_a).running  # the thread ends with its last listener


def test_one_watcher_thread_per_workspace(two, monkeypatch) -> None:
    ws_a, a, _ws_b, _b = two
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 0.02)
    before = set(threading.enumerate())  # an earlier test's watcher may still be ending
    stops = [follow_table(ws_a, a, lambda c: None) for _ in range(3)]
    stops.append(enrich_credits_watch(ws_a))
    try:
        names = [t.name for t in set(threading.enumerate()) - before]
        assert names.count("workspace-watch") == 1
        assert "credit-watch" not in names  # the credit feed has no thread of its own now
    finally:
        for stop in stops:
            stop()


def enrich_credits_watch(ws):
    from clay_tui.services.credits import watch_credits

    return watch_credits(ws, lambda: None)


def test_results_committed_between_opening_and_following_are_not_missed(
    tmp_path: Path, clock, sandbox_url, workspace_backend: str
) -> None:
    """The TUI opens the table (its stored results read), then shows it and starts following:
    results another process committed in between still arrive."""
    ws_b = make_ws(tmp_path, clock, target=workspace_backend)
    b = ts.import_table(ws_b, SAMPLE_LEADS, name="leads")
    b.wait_for_snapshot()
    enrich.add_column(ws_b, b, DOMAIN)
    asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=2)))
    ws_a = make_ws(tmp_path, clock, target=workspace_backend)
    try:
        a = ts.open_table(ws_a, "leads")  # the stored results come with it
        assert a.row(1)["Domain"] is not None
        asyncio.run(enrich.run_column(ws_b, b, "Domain", enrich.RowSelection("first", limit=2)))
        TableFollower(ws_a, a).catch_up()  # the screen starts following only now
        found = _stored(ws_b, a.id)
        assert len(found) == 4
        assert {rid: a.row(rid)["Domain"] for rid in found} == found
    finally:
        ws_a.close()
        ws_b.close()
