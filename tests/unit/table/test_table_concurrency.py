"""Two processes (or two handles) on one table: no change of either is ever lost.

A handle holding an out-of-date copy of a table catches up with the journal entries
other processes wrote before it journals or saves, so a save never hides them behind
a newer sequence number.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.services import tables as ts
from clay_tui.table.frame_store import frame_store
from clay_tui.table.lead_table import read_snapshot
from clay_tui.workspace import Workspace
from tests.conftest import make_settings, on_backend

REPO = Path(__file__).resolve().parents[3]

CSV = "name,company\nAnn,acme.com\nBob,globex.com\nCy,initech.com\nDi,umbrella.com\n"


@pytest.fixture
def settings(settings: Settings, workspace_backend: str) -> Settings:
    """Every test here on both back ends: a folder, and a PostgreSQL team workspace."""
    return on_backend(settings, workspace_backend)


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def reopen(settings: Settings, clock: FixedClock) -> Workspace:
    return Workspace.open(settings, clock)


@pytest.mark.parametrize("b_saves", [False, True])
def test_a_stale_handle_saving_keeps_the_other_handles_column(
    settings: Settings, clock: FixedClock, leads: Path, b_saves: bool
) -> None:
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        a.wait_for_snapshot()
        b = ts.get_table(ws_b, a.id)  # the CLI, while the TUI (a) has the table open
        b.add_column("Z", undoable=False)
        b.set_cell(2, "Z", "from b")
        b.set_cell(3, "name", "Cyrus")
        if b_saves:
            b.save()
        a.set_cell(1, "name", "Anna")  # a never saw Z
        a.save()
        assert "Z" in a.columns  # a caught up before it wrote
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.columns == ["name", "company", "Z"]
        assert [t.row(i)["name"] for i in (1, 2, 3)] == ["Anna", "Bob", "Cyrus"]
        assert t.row(2)["Z"] == "from b"
        frame, _ = frame_store(ws).read(str(t.id))
        assert "Z" in frame.columns


def test_save_alone_catches_up_and_never_goes_back(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        a.wait_for_snapshot()
        a.write_results("company", {1: "acme.org"})  # unsaved, not journaled
        b = ts.get_table(ws_b, a.id)
        b.add_column("Z", undoable=False)
        b.set_cell(4, "Z", "z4")
        b.save()
        a.save()  # a has its own (dirty) frame: it must include b's entries
        assert a.row(4)["Z"] == "z4"
        frame, seq = frame_store(ws_a).read(str(a.id))
        assert frame.columns == ["_row_id", "name", "company", "Z"]
        assert frame.row(3, named=True)["Z"] == "z4"


def test_a_stale_handle_checks_names_against_the_other_handles_columns(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    from clay_tui.errors import ClayError

    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        b = ts.get_table(ws_b, a.id)
        b.add_column("Z")
        with pytest.raises(ClayError, match="already has a column named 'Z'"):
            a.add_column("Z")
        assert "Z" in a.columns


def test_undo_in_one_handle_replays_in_the_other(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        b = ts.get_table(ws_b, a.id)
        b.set_cell(1, "name", "x")
        b.set_cell(1, "name", "x2")
        b.undo()
        a.set_cell(2, "name", "y")
        assert [a.row(1)["name"], a.row(2)["name"]] == ["x", "y"]
        a.save()
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(1)["name"], t.row(2)["name"]] == ["x", "y"]


def test_listeners_hear_about_the_other_handles_changes(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        heard = []
        a.subscribe(heard.append)
        b = ts.get_table(ws_b, a.id)
        b.add_column("Z", undoable=False)
        a.set_cell(1, "name", "Anna")
        kinds = [c.kind for c in heard]
        assert kinds == ["add_column", "set"]
        assert heard[0].columns == ("Z",)


# ------------------------------------------------------------ real processes


def _cli(tmp: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp / "ws"), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", "from clay_tui.cli.main import main; main()", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out


def test_two_add_columns_at_once_both_exist(tmp_path: Path, clock: FixedClock, leads: Path) -> None:
    settings = make_settings(tmp_path / "ws")
    with Workspace.open(settings, clock) as ws:
        ts.import_table(ws, leads, name="leads").wait_for_snapshot()
    procs = [
        _cli(
            tmp_path,
            "add-column",
            "leads",
            "--name",
            name,
            "--action",
            "normalize_domain",
            "--input",
            "value=company",
        )
        for name in ("D1", "D2")
    ]
    for proc in procs:
        _done(proc)
    with Workspace.open(settings, clock) as ws:
        table = ts.open_table(ws, "leads")
        assert set(table.columns) == {"name", "company", "D1", "D2"}
        # each add-column saved; the later save caught up with the other's column first
        frame, _ = frame_store(ws).read(str(table.id))
        assert set(frame.columns) >= {"D1", "D2"}


RACER = textwrap.dedent(
    """
    import asyncio
    import sys
    from clay_tui.config import load_settings
    from clay_tui.workspace import Workspace
    from clay_tui.services import enrich, tables

    me, n, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    ws = Workspace.open(load_settings(None, None))
    t = tables.open_table(ws, "leads")
    for i in range(rounds):
        t.add_column(f"p{me}_c{i}", undoable=False)
        for rid in range(1, 9):
            if rid % n == me:
                t.set_cell(rid, "name", f"p{me}_r{rid}_i{i}")
        t.set_cell(1 + me, f"p{me}_c{i}", f"v{me}.{i}")
        if i % 2 == me % 2:
            t.save()
    # and an enrichment column of its own, run while the others edit
    spec = enrich.ColumnSpec(name=f"dom{me}", action="normalize_domain",
                             inputs={"value": "company"})
    enrich.add_column(ws, t, spec)
    summary = asyncio.run(enrich.run_column(ws, t, f"dom{me}", enrich.RowSelection("all")))
    assert summary.counts.get("found") == 8, summary.counts
    t.set_cell(8 - me, "company", f"p{me}.example")  # after the run: stays as typed
    t.save()
    """
)


@pytest.mark.parametrize("n", [2, 4])
def test_processes_editing_and_adding_columns_converge(
    tmp_path: Path, clock: FixedClock, n: int
) -> None:
    rows = "name,company\n" + "".join(f"n{i},c{i}.com\n" for i in range(1, 9))
    src = tmp_path / "leads.csv"
    src.write_text(rows, encoding="utf-8")
    with Workspace.open(make_settings(tmp_path / "ws"), clock) as ws:
        ts.import_table(ws, src, name="leads").wait_for_snapshot()
    script = tmp_path / "racer.py"
    script.write_text(RACER, encoding="utf-8")
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp_path / "ws"), "PYTHONPATH": str(REPO)}
    rounds = 6
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(me), str(n), str(rounds)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(n)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
    from clay_tui.config import load_settings

    os.environ["CLAY_TUI_WORKSPACE"] = str(tmp_path / "ws")
    with Workspace.open(load_settings(None, None), clock) as ws:
        t = ts.open_table(ws, "leads")
        want = {f"p{me}_c{i}" for me in range(n) for i in range(rounds)}
        assert want <= set(t.columns)
        for me in range(n):
            for i in range(rounds):
                assert t.row(1 + me)[f"p{me}_c{i}"] == f"v{me}.{i}"
        for rid in range(1, 9):
            assert t.row(rid)["name"] == f"p{rid % n}_r{rid}_i{rounds - 1}"
        for me in range(n):  # every process's enrichment results, and its last edits
            assert t.row(8 - me)["company"] == f"p{me}.example"
            for rid in range(1, 9):
                assert t.row(rid)[f"dom{me}"] is not None
        want |= {f"dom{me}" for me in range(n)}
        # the snapshot on disk alone (no journal) has it all too
        t.save()
        frame, _ = frame_store(ws).read(str(t.id))
        assert want <= set(frame.columns)


def test_a_handle_behind_a_pruning_save_reads_the_snapshot_again(
    settings: Settings, clock: FixedClock, leads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clay_tui.table.lead_table import LeadTable

    monkeypatch.setattr(LeadTable, "KEEP_ENTRIES", 2)
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        a.wait_for_snapshot()
        heard = []
        a.subscribe(heard.append)
        b = ts.get_table(ws_b, a.id)
        b.add_column("Z", undoable=False)
        for i in range(6):
            b.set_cell(1 + i % 4, "Z", f"z{i}")
        b.save()  # keeps only the last 2 entries: a can no longer replay from its seq
        first = ws_a.db.execute("SELECT MIN(seq) FROM table_journal").fetchone()[0]
        assert first > 2
        a.set_cell(4, "name", "Dana")
        assert [a.row(r)["Z"] for r in (1, 2, 3, 4)] == ["z4", "z5", "z2", "z3"]
        assert heard[0].kind == "add_column" and heard[0].columns == ("Z",)
        a.save()
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(r)["Z"] for r in (1, 2, 3, 4)] == ["z4", "z5", "z2", "z3"]
        assert t.row(4)["name"] == "Dana"


def test_a_save_never_puts_an_older_snapshot_over_a_newer_one(
    settings: Settings, clock: FixedClock, leads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b saves (and prunes) while a is writing its snapshot (a folder's temp file, a team
    workspace's new generation: both outside the write lock): a's older snapshot must not
    replace b's."""
    import polars as pl

    from clay_tui.table.lead_table import LeadTable

    monkeypatch.setattr(LeadTable, "KEEP_ENTRIES", 1)
    with reopen(settings, clock) as ws_a, reopen(settings, clock) as ws_b:
        a = ts.import_table(ws_a, leads, name="leads")
        a.wait_for_snapshot()
        b = ts.get_table(ws_b, a.id)
        a.set_cell(1, "name", "Anna")
        # the bulk write: the folder's temp file, the team workspace's COPY of the rows
        if settings.workspace_url:
            from clay_tui.workspace import pg_frames

            where, attr = pg_frames, "_copy_in"
        else:
            where, attr = pl.DataFrame, "write_parquet"
        real = getattr(where, attr)
        state = {"done": False}

        def write(*args, **kwargs):
            if not state["done"]:
                state["done"] = True  # a is writing: b edits and saves first
                b.add_column("Z", undoable=False)
                b.set_cell(3, "Z", "z3")
                b.set_cell(4, "Z", "z4")
                b.save()
            return real(*args, **kwargs)

        monkeypatch.setattr(where, attr, write)
        a.save()
        monkeypatch.setattr(where, attr, real)
        assert state["done"]
        frame, seq = frame_store(ws_a).read(str(a.id))
        assert "Z" in frame.columns
        assert frame.filter(pl.col("_row_id") == 4).item(0, "Z") == "z4"
        assert not a.dirty
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(1)["name"], t.row(3)["Z"], t.row(4)["Z"]] == ["Anna", "z3", "z4"]


def test_a_snapshot_replaced_while_it_is_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frame and its seq come from one file, never the frame of the old file with the
    seq of the new one (which would skip replaying the new file's column for good)."""
    import polars as pl

    from clay_tui.table.lead_table import write_snapshot

    path = tmp_path / "1.parquet"
    old = pl.DataFrame({"_row_id": [1, 2], "name": ["a", "b"]})
    write_snapshot(old, path, 0)
    real = pl.read_parquet
    calls = {"n": 0}

    def read_parquet(source, *args, **kwargs):
        frame = real(source, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # another process saves right after this read
            write_snapshot(old.with_columns(pl.lit("z").alias("Z")), path, 5)
        return frame

    monkeypatch.setattr(pl, "read_parquet", read_parquet)
    frame, seq = read_snapshot(path)
    assert (seq, "Z" in frame.columns) == (5, True)


def test_a_read_that_fails_because_the_snapshot_was_replaced_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    from clay_tui.table.lead_table import write_snapshot

    path = tmp_path / "1.parquet"
    old = pl.DataFrame({"_row_id": [1, 2], "name": ["a", "b"]})
    write_snapshot(old, path, 0)
    real = pl.read_parquet
    calls = {"n": 0}

    def read_parquet(source, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # replaced in the middle of polars reading it
            write_snapshot(old.with_columns(pl.lit("z").alias("Z")), path, 5)
            raise pl.exceptions.SchemaError("the file changed under the reader")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pl, "read_parquet", read_parquet)
    frame, seq = read_snapshot(path)
    assert (seq, "Z" in frame.columns) == (5, True)
