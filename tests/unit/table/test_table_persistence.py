"""Workspace persistence: ids, journal, undo, save, reopen, crash."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.errors import ClayError
from clay_tui.services import tables as ts
from clay_tui.table.edits import decode_edit
from clay_tui.table.frame_store import frame_store
from clay_tui.table.lead_table import ROW_ID, LeadTable, TableChange, snapshot_path
from clay_tui.workspace import Workspace
from tests.conftest import on_backend

CSV = (
    "name,zip,employees,score,active,since\n"
    "Ann,08123,10,1.5,true,2020-01-02\n"
    "Bob,94107,250,2.0,false,\n"
    "Cy,00501,,0.5,true,2021-06-30\n"
)


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
    """A fresh Workspace object: nothing cached, everything read back from disk."""
    return Workspace.open(settings, clock)


def test_import_creates_registry_row_snapshot_and_ids(workspace: Workspace, leads: Path) -> None:
    table = ts.import_table(workspace, leads)
    assert table.name == "leads"
    assert table.frame.columns[0] == ROW_ID
    assert table.frame.get_column(ROW_ID).to_list() == [1, 2, 3]
    assert [table.dtype_label(c) for c in table.columns] == [
        "text",
        "text",
        "int",
        "float",
        "bool",
        "date",
    ]
    table.wait_for_snapshot()  # the first snapshot is written in the background
    frame_store(workspace).read(str(table.id))  # there, and readable
    assert workspace.db.execute("SELECT next_row_id FROM tables").fetchone()[0] == 4


def test_same_file_opens_the_existing_table(
    workspace: Workspace, leads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ts.import_table(workspace, leads)
    monkeypatch.chdir(tmp_path)  # (undone after the test: later tests use relative paths)
    again = ts.import_table(workspace, Path("leads.csv"))  # relative path, same resolved file
    assert again is first
    assert len(ts.list_tables(workspace)) == 1
    assert ts.open_table(workspace, str(leads)) is first
    assert ts.open_table(workspace, "leads") is first
    assert ts.open_table(workspace, str(first.id)) is first


def test_second_file_with_same_stem_gets_a_free_name(
    workspace: Workspace, leads: Path, tmp_path: Path
) -> None:
    other = tmp_path / "sub"
    other.mkdir()
    (other / "leads.csv").write_text("a\n1\n", encoding="utf-8")
    ts.import_table(workspace, leads)
    second = ts.import_table(workspace, other / "leads.csv")
    assert second.name == "leads_2"
    with pytest.raises(ClayError, match="already exists"):
        ts.import_table(workspace, tmp_path / "x.csv", name="leads")


def test_cache_is_per_workspace(settings: Settings, clock: FixedClock, leads: Path) -> None:
    with reopen(settings, clock) as ws1, reopen(settings, clock) as ws2:
        a = ts.import_table(ws1, leads)
        assert ts.get_table(ws1, a.id) is a
        b = ts.get_table(ws2, a.id)
        assert b is not a and b.frame.equals(a.frame)


def test_edits_survive_reopen_without_save(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.set_cell(2, "employees", "300")
        t.set_cell(1, "since", "2019-05-05")
        t.set_cell(3, "name", None)
        new = t.add_row({"name": "Di", "employees": "7"})
        t.delete_rows([1])
        t.rename_column("zip", "postcode")
        t.add_column("work_email")
        expected = t.frame
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.frame.equals(expected)
        assert t.row(2)["employees"] == 300
        assert t.row(new) == {
            "name": "Di",
            "postcode": None,
            "employees": 7,
            "score": None,
            "active": None,
            "since": None,
            "work_email": None,
        }
        assert not t.has_row(1)


def test_set_cell_parses_to_the_column_type_or_refuses(workspace: Workspace, leads: Path) -> None:
    t = ts.import_table(workspace, leads)
    t.set_cell(1, "score", " 3.25 ")
    t.set_cell(1, "active", "no")
    t.set_cell(1, "since", "2024-02-29")
    t.set_cell(1, "zip", " 00123 ")  # text is kept exactly
    assert t.row(1) == {
        "name": "Ann",
        "zip": " 00123 ",
        "employees": 10,
        "score": 3.25,
        "active": False,
        "since": dt.date(2024, 2, 29),
    }
    before, version = t.frame, t.version
    for column, text in [
        ("employees", "ten"),
        ("employees", "1.5"),
        ("active", "maybe"),
        ("since", "2024-02-30"),
        ("score", "nan"),
    ]:
        with pytest.raises(ClayError) as info:
            t.set_cell(1, column, text)
        assert column in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ClayError, match="no column"):
        t.set_cell(1, "nope", "x")
    with pytest.raises(ClayError, match="Row 99"):
        t.set_cell(99, "name", "x")
    assert t.frame.equals(before) and t.version == version


def test_row_ids_are_never_reused(settings: Settings, clock: FixedClock, leads: Path) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        four = t.add_row()
        assert four == 4
        t.delete_rows([four])
        t.undo()  # undo the delete: row 4 is back
        t.undo()  # undo the add: row 4 is gone again
        assert not t.has_row(4)
        assert t.add_row() == 5
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.add_row() == 6
        assert t.frame.get_column(ROW_ID).to_list() == [1, 2, 3, 5, 6]


def test_undo_each_kind_of_change(workspace: Workspace, leads: Path) -> None:
    t = ts.import_table(workspace, leads)
    original = t.frame
    t.set_cell(2, "name", "Robert")
    t.add_row({"name": "Eve"})
    t.delete_rows([1, 3])
    t.rename_column("name", "full_name")
    t.add_column("notes")
    t.delete_column("score")
    assert t.columns == ["full_name", "zip", "employees", "active", "since", "notes"]
    messages = []
    while (message := t.undo()) is not None:
        messages.append(message)
    assert messages == [
        "Restored column score.",
        "Removed column notes.",
        "Renamed column full_name back to name.",
        "Restored 2 rows.",
        "Undid adding 1 row.",
        "Undid the edit of name in row 2.",
    ]
    assert t.frame.equals(original)


def test_engine_output_columns_can_stay_off_the_undo_stack(
    workspace: Workspace, leads: Path
) -> None:
    t = ts.import_table(workspace, leads)
    t.set_cell(1, "name", "Anna")
    t.add_column("email_found", undoable=False)
    assert t.undo() == "Undid the edit of name in row 1."
    assert "email_found" in t.columns


def test_undo_is_journaled_and_survives_reopen(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.set_cell(1, "name", "A1")
        t.set_cell(1, "name", "A2")
        t.undo()
        assert t.row(1)["name"] == "A1"
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.row(1)["name"] == "A1"
        assert t.undo() == "Undid the edit of name in row 1."
        assert t.row(1)["name"] == "Ann"
        assert t.undo() is None


def test_save_folds_the_journal_into_the_snapshot(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.set_cell(1, "employees", "11")
        assert t.dirty
        t.save()
        assert not t.dirty
        frame, seq = frame_store(ws).read(str(t.id))
        assert seq == 1 and frame.equals(t.frame)
        if ws.dialect.name == "sqlite":  # the folder's temp file was replaced, not left behind
            assert not list(ws.tables_dir.glob(".*.tmp"))
        t.set_cell(2, "employees", "22")  # after the save: only in the journal
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.frame.get_column("employees").to_list() == [11, 22, None]


def test_replaying_the_journal_twice_changes_nothing(workspace: Workspace, leads: Path) -> None:
    """A crash between writing the snapshot and recording it means entries replay on top of
    a snapshot that already has them: every op must be idempotent."""
    t = ts.import_table(workspace, leads)
    start = t.frame
    t.set_cell(1, "name", "X")
    t.add_row({"name": "New"})
    t.delete_rows([2])
    t.add_column("c", "int")
    t.rename_column("zip", "postcode")
    t.delete_column("score")
    t.undo()  # restore_column
    from clay_tui.table import registry

    entries = registry.journal_entries(workspace, t.id)
    frame = start
    for _ in range(2):
        for _, op, payload, _ in entries:
            if op == "undo":
                op, payload = payload["op"], payload["payload"]
            frame = decode_edit(op, payload).apply(frame, frame_store(workspace))
    assert frame.equals(t.frame)


def test_write_results_is_not_journaled_but_saved(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.add_column("email", undoable=False)
        seen: list[TableChange] = []
        t.subscribe(seen.append)
        t.write_results("email", {1: "ann@x.com", 3: "cy@x.com", 99: "ghost@x.com"})
        assert seen == [TableChange("results", (1, 3), ("email",))]
        assert t.frame.get_column("email").to_list() == ["ann@x.com", None, "cy@x.com"]
        assert t.undo() is None  # results are not user changes
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.frame.get_column("email").to_list() == [None, None, None]
        t.write_results("email", {2: "bob@x.com"})
        t.save()
    with reopen(settings, clock) as ws:
        assert ts.open_table(ws, "leads").frame.get_column("email").to_list() == [
            None,
            "bob@x.com",
            None,
        ]


def test_write_results_coerces_to_the_column_type(workspace: Workspace, leads: Path) -> None:
    t = ts.import_table(workspace, leads)
    t.add_column("n", "int")
    t.add_column("label")
    t.write_results("n", {1: 5, 2: "6", 3: None})
    t.write_results("label", {1: 42})
    assert t.frame.get_column("n").to_list() == [5, 6, None]
    assert t.row(1)["label"] == "42"


def test_listeners_get_every_change_and_can_unsubscribe(workspace: Workspace, leads: Path) -> None:
    t = ts.import_table(workspace, leads)
    seen: list[TableChange] = []
    stop = t.subscribe(seen.append)
    version = t.version
    t.set_cell(1, "name", "A")
    rid = t.add_row()
    t.delete_rows([rid])
    t.rename_column("name", "who")
    t.undo()
    stop()
    t.set_cell(1, "zip", "1")
    assert [c.kind for c in seen] == [
        "set",
        "add_rows",
        "delete_rows",
        "rename_column",
        "rename_column",
    ]
    assert seen[0] == TableChange("set", (1,), ("name",))
    assert seen[-1].columns == ("who", "name")
    assert t.version == version + 6


def test_column_names_are_checked(workspace: Workspace, leads: Path) -> None:
    t = ts.import_table(workspace, leads)
    for bad in ["", "  ", ROW_ID, "zip"]:
        with pytest.raises(ClayError):
            t.rename_column("name", bad)
        with pytest.raises(ClayError):
            t.add_column(bad)
    with pytest.raises(ClayError, match="Unknown column type"):
        t.add_column("x", "money")
    with pytest.raises(ClayError):
        t.delete_column(ROW_ID)


CRASH_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from clay_tui.config import load_settings
    from clay_tui.workspace import Workspace
    from clay_tui.services import tables as ts

    ws = Workspace.open(load_settings(None, sys.argv[1]))
    t = ts.import_table(ws, Path(sys.argv[2]))
    t.set_cell(2, "name", "Edited before the crash")
    rid = t.add_row({"name": "Added before the crash"})
    t.delete_rows([1])
    print("edited", rid, flush=True)
    time.sleep(60)  # killed here, before any save
    """
)


def test_kill_9_right_after_an_edit_loses_nothing(
    settings: Settings, clock: FixedClock, leads: Path, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, settings.workspace_url or str(settings.workspace)]
        + [str(leads)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("edited"), proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.row(2)["name"] == "Edited before the crash"
        assert t.row(int(line.split()[1]))["name"] == "Added before the crash"
        assert not t.has_row(1)
        assert t.add_row() == 5  # the id taken before the crash stays taken


def test_a_million_rows_edit_in_milliseconds(workspace: Workspace, tmp_path: Path) -> None:
    n = 1_000_000
    path = tmp_path / "big.parquet"
    pl.DataFrame(
        {
            "name": pl.int_range(n, eager=True).cast(pl.String),
            "employees": pl.int_range(n, eager=True),
        }
    ).write_parquet(path)
    t = ts.import_table(workspace, path)
    t.set_cell(500_000, "name", "warm-up")
    start = time.perf_counter()
    for rid in (1, 123_456, 999_999, n):
        assert t.position_of(rid) == rid - 1
        t.set_cell(rid, "employees", "7")
        t.set_cell(rid, "name", "x")
    per_edit = (time.perf_counter() - start) / 8
    assert per_edit < 0.05, f"{per_edit * 1000:.1f} ms per edit"
    assert t.row(n) == {"name": "x", "employees": 7}


def test_loaded_table_is_a_lead_table(workspace: Workspace) -> None:
    table = ts.open_table(workspace, None)
    assert isinstance(table, LeadTable) and table.name == "leads" and table.row_count == 200


def test_save_prunes_old_journal_entries_and_side_files(
    settings: Settings, clock: FixedClock, leads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LeadTable, "KEEP_ENTRIES", 3)
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.delete_column("score")  # seq 1: writes a side file
        for i in range(5):
            t.set_cell(1, "name", f"v{i}")  # seq 2..6
        assert "score" in frame_store(ws).read(f"{t.id}.col1")[0].columns
        t.save()
        seqs = [r[0] for r in ws.db.execute("SELECT seq FROM table_journal ORDER BY seq")]
        assert seqs == [4, 5, 6]
        with pytest.raises(FileNotFoundError):
            frame_store(ws).read(f"{t.id}.col1")
        expected = t.frame
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.frame.equals(expected)
        assert [t.undo() for _ in range(4)] == ["Undid the edit of name in row 1."] * 3 + [None]
        assert t.row(1)["name"] == "v1"


def test_list_tables_reads_shapes_without_loading(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.add_row()
        t.add_column("extra")
    with reopen(settings, clock) as ws:  # journal past the snapshot: replayed
        [info] = ts.list_tables(ws)
        assert (info.name, info.rows, info.columns) == ("leads", 4, 7)
        ts.get_table(ws, info.id).save()
    with reopen(settings, clock) as ws:  # snapshot only: read from its metadata
        [info] = ts.list_tables(ws)
        assert (info.rows, info.columns) == (4, 7)
        assert ts._cache(ws) == {}


def test_two_handles_on_one_table_do_not_collide(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws1, reopen(settings, clock) as ws2:
        a = ts.import_table(ws1, leads)
        b = ts.get_table(ws2, a.id)
        a.set_cell(1, "name", "from a")
        b.set_cell(2, "name", "from b")  # would reuse a's journal seq without the DB check
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert [t.row(1)["name"], t.row(2)["name"]] == ["from a", "from b"]


def test_empty_text_is_null_and_underscored_numbers_are_refused(
    workspace: Workspace, leads: Path
) -> None:
    t = ts.import_table(workspace, leads)
    t.set_cell(1, "name", "")
    assert t.row(1)["name"] is None
    with pytest.raises(ClayError):
        t.set_cell(1, "employees", "1_000")


def test_unreadable_snapshot_or_entry_is_one_sentence(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.delete_column("score")
        t.undo()  # restore_column reads the side file on replay
        t.set_cell(1, "name", "kept")
        frame_store(ws).drop(f"{t.id}.col1")
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.row(1)["name"] == "kept"
        assert t.notices == ["1 saved edit(s) of leads could not be replayed."]
        if ws.dialect.name != "sqlite":
            return  # the rest damages the folder's file
        snapshot_path(ws, t.id).write_bytes(b"garbage")
    with reopen(settings, clock) as ws:
        with pytest.raises(ClayError, match="cannot be read"):
            ts.open_table(ws, "leads")


def test_a_crash_before_the_first_snapshot_rebuilds_from_the_source(
    settings: Settings, clock: FixedClock, leads: Path
) -> None:
    with reopen(settings, clock) as ws:
        t = ts.import_table(ws, leads)
        t.set_cell(2, "name", "edited")
        t.wait_for_snapshot()
        frame_store(ws).drop(str(t.id))  # as if the process died before the write
        expected = t.frame
    with reopen(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.frame.equals(expected)
        assert t.notices == [f"Rebuilt leads from {leads.resolve()}: its saved copy was missing."]
        frame_store(ws).read(str(t.id))  # written again
        leads.unlink()
        frame_store(ws).drop(str(t.id))
    with reopen(settings, clock) as ws:
        with pytest.raises(ClayError, match="is missing"):
            ts.open_table(ws, "leads")


def test_a_failed_journal_write_changes_nothing(
    workspace: Workspace, leads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clay_tui.table import registry

    t = ts.import_table(workspace, leads)
    before, version = t.frame, t.version

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry, "append_entry", broken)
    with pytest.raises(OSError):
        t.add_row({"name": "lost"})
    with pytest.raises(OSError):
        t.set_cell(1, "name", "lost")
    assert t.frame is before and t.version == version
    monkeypatch.undo()
    assert t.add_row() == 4  # the failed add did not consume an id


def test_threads_editing_saving_and_committing_do_not_deadlock(
    workspace: Workspace, leads: Path
) -> None:
    import threading

    t = ts.import_table(workspace, leads)
    t.add_column("out", undoable=False)
    errors: list[BaseException] = []

    def edits() -> None:
        try:
            for i in range(40):
                t.set_cell(1 + i % 3, "name", f"n{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def engine() -> None:  # results written while holding a transaction, like a batch commit
        try:
            for i in range(40):
                with workspace.transaction():
                    t.write_results("out", {1 + i % 3: f"r{i}"})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def saves() -> None:
        try:
            for _ in range(10):
                t.save()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=f) for f in (edits, engine, saves)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert not any(th.is_alive() for th in threads), "deadlock"
    assert errors == []
    t.save()
    frame, seq = frame_store(workspace).read(str(t.id))
    assert frame.equals(t.frame) and not t.dirty
