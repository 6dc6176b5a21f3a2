"""Saving a table on a team workspace: the rows are written outside the workspace's write lock
(the ledger's, on every machine), and only the swap of its ``clay_frames`` row is under it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from credit_helpers import ctx, make_settings

from clay_tui.clock import FixedClock
from clay_tui.credits import Ledger
from clay_tui.services import tables as ts
from clay_tui.table.frame_store import frame_store
from clay_tui.workspace import Workspace, pg_frames

CSV = "name,company\n" + "".join(f"P{i},c{i}.com\n" for i in range(2000))


def _in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_a_reserve_elsewhere_completes_while_a_save_writes_its_rows(
    pg_url: str, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(CSV, encoding="utf-8")
    settings = dataclasses.replace(
        make_settings(tmp_path / "unused", plan={"name": "Free", "monthly_credits": 100}),
        workspace_url=pg_url,
    )
    with Workspace.open(settings, clock) as ws, Workspace.open(settings, clock) as other:
        table = ts.import_table(ws, leads, name="leads")
        table.wait_for_snapshot()
        ledger = Ledger(other)  # another member's run, on another connection
        table.set_cell(1, "name", "Anna")
        writing, release = threading.Event(), threading.Event()
        real = pg_frames._copy_in

        def slow_copy(*args: object, **kwargs: object) -> None:
            writing.set()  # the save is sending its rows: a big table takes seconds here
            assert release.wait(30)
            real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pg_frames, "_copy_in", slow_copy)
        saver, save_errors = _in_thread(table.save)
        try:
            assert writing.wait(30)
            reserver, errors = _in_thread(lambda: ledger.reserve(3, "cell:1", context=ctx()))
            reserver.join(10)
            assert not reserver.is_alive(), "the reserve waited for the save's rows"
            assert not errors, errors[0]
        finally:
            release.set()
            saver.join(60)
        assert not save_errors, save_errors[0]
        assert ledger.balance().reserved == 3
        assert not table.dirty
        frame, seq = frame_store(other).read(str(table.id))
        assert frame.filter(pl.col("_row_id") == 1).item(0, "name") == "Anna"
        assert frame.height == 2000 and seq > 0


def test_listing_tables_reads_no_rows(
    pg_url: str, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows and columns come from each frame's ``clay_frames`` row, not a read of its rows."""
    leads = tmp_path / "leads.csv"
    leads.write_text(CSV, encoding="utf-8")
    settings = dataclasses.replace(make_settings(tmp_path / "unused"), workspace_url=pg_url)
    with Workspace.open(settings, clock) as ws:
        table = ts.import_table(ws, leads, name="leads")
        table.add_column("extra")
        table.save()
        other = tmp_path / "other.csv"
        other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
        ts.import_table(ws, other, name="other").wait_for_snapshot()
    reads: list[str] = []

    def no_reads(*args: object, **kwargs: object) -> None:
        reads.append("rows")
        raise AssertionError("listing tables read a table's rows")

    monkeypatch.setattr(pg_frames, "_read_parts", no_reads)
    with Workspace.open(settings, clock) as ws:
        infos = ts.list_tables(ws)
        assert [(i.name, i.rows, i.columns) for i in infos] == [
            ("leads", 2000, 3),
            ("other", 1, 3),
        ]
        assert reads == []


def test_closing_right_after_an_import_keeps_its_rows(
    pg_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    """The CLI's ``import`` closes the workspace as soon as it has printed: the first snapshot,
    written in the background, still lands (a teammate's machine has no source file to
    rebuild the table from)."""
    leads = tmp_path / "leads.csv"
    leads.write_text(CSV, encoding="utf-8")
    settings = dataclasses.replace(make_settings(tmp_path / "unused"), workspace_url=pg_url)
    with Workspace.open(settings, clock) as ws:
        ts.import_table(ws, leads, name="leads")
    leads.unlink()  # another machine
    with Workspace.open(settings, clock) as ws:
        table = ts.open_table(ws, "leads")
        assert table.row_count == 2000 and table.notices == []
