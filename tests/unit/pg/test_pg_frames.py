"""Polars frames in a team workspace's PostgreSQL schema (workspace/pg_frames.py): every dtype
and hostile column name round-trips, wide frames fit PostgreSQL's limits, a replace is atomic."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime

import polars as pl
import psycopg
import pytest
from polars.testing import assert_frame_equal

from clay_tui.config import load_settings
from clay_tui.errors import WorkspaceError
from clay_tui.workspace import Workspace, pg_frames
from clay_tui.workspace.backend import WRITE_LOCK_KEY
from clay_tui.workspace.pg import PgWorkspace
from clay_tui.workspace.pg_frames import drop_frame, read_frame, write_frame


@pytest.fixture
def ws(pg_url: str) -> Iterator[PgWorkspace]:
    with Workspace.open(load_settings(None, pg_url)) as opened:
        assert isinstance(opened, PgWorkspace)
        yield opened


def round_trip(ws: PgWorkspace, frame: pl.DataFrame, meta: dict[str, str] | None = None) -> None:
    write_frame(ws, "t", frame, meta)
    got = read_frame(ws, "t")
    assert got is not None
    assert_frame_equal(got[0], frame, check_exact=True)
    assert got[1] == (meta or {})


def test_every_dtype_round_trips(ws: PgWorkspace) -> None:
    frame = pl.DataFrame(
        {
            "_row_id": pl.Series([1, 2, 3, 2**64 - 1], dtype=pl.UInt64),
            "id64": pl.Series([1, None, -(2**63), 2**63 - 1], dtype=pl.Int64),
            "text": ["", None, 'a,"b"\n\r\tc', "ünï ☃ 🎉 \\N \\."],
            "float": [0.1 + 0.2, float("nan"), float("inf"), None],
            "neg": [-0.0, float("-inf"), 1e-308, 1.7976931348623157e308],
            "bool": [True, False, None, True],
            "day": [date(2024, 2, 29), None, date(1, 1, 1), date(9999, 12, 31)],
            "at": [
                datetime(2024, 1, 1, 12, 0, 0, 123456),
                None,
                datetime(1970, 1, 1),
                datetime(1, 1, 1),
            ],
            "nothing": pl.Series([None] * 4, dtype=pl.Null),
            "i32": pl.Series([1, 2, None, -5], dtype=pl.Int32),
        }
    ).with_columns(
        at_ns=pl.Series([1, None, -(2**62), 2**63 - 1]).cast(pl.Datetime("ns")),
        at_ms=pl.col("at").cast(pl.Datetime("ms")),
        at_tz=pl.col("at").dt.replace_time_zone("Europe/Paris", ambiguous="earliest"),
        cat=pl.Series(["a", None, "b", "a"], dtype=pl.Categorical),
        enum=pl.Series(["x", "y", None, "x"], dtype=pl.Enum(["y", "x"])),
        f32=pl.Series([0.1, float("nan"), None, -3.4028235e38], dtype=pl.Float32),
        i8=pl.Series([-128, 127, None, 0], dtype=pl.Int8),
        u8=pl.Series([255, 0, None, 1], dtype=pl.UInt8),
        u16=pl.Series([65535, 0, None, 1], dtype=pl.UInt16),
        u32=pl.Series([2**32 - 1, 0, None, 1], dtype=pl.UInt32),
    )
    round_trip(ws, frame, {"seq": "42", "why": "ünï"})


def test_absent_frame_is_none_and_drop_removes(ws: PgWorkspace) -> None:
    assert read_frame(ws, "t") is None
    round_trip(ws, pl.DataFrame({"a": [1]}))
    drop_frame(ws, "t")
    assert read_frame(ws, "t") is None
    drop_frame(ws, "t")  # again: nothing to do


HOSTILE = [
    "_row_id",
    'a "quoted" name',
    '"; DROP TABLE clay_frames; --',
    "Robert'); DROP TABLE students;--",
    "  spaces  ",
    "",
    "🎉 emoji ☃",
    "x" * 200,
    "É" * 100,  # 200 bytes: over PostgreSQL's 63-byte identifiers
    "Email",
    "email",
    "EMAIL",
    "\x1b[31mred\x1b[0m",
    "new\nline",
    "c0",
    "_r",
]


def test_hostile_column_names_round_trip(ws: PgWorkspace) -> None:
    frame = pl.DataFrame({name: [f"{i}", None] for i, name in enumerate(HOSTILE)})
    round_trip(ws, frame)
    tables = {r[0] for r in ws.db.execute("SELECT tablename FROM pg_tables")}
    assert "clay_frames" in tables  # the meta table survived its own name as a column


def test_hostile_cells_round_trip(ws: PgWorkspace) -> None:
    cells = [
        "\x00",
        "a\x00b",
        "\\x00",
        "\\.",
        "\r\n",
        '"',
        "'",
        ",",
        "NULL",
        "\\N",
        "\ufeff",
        "\u202e",
    ]
    round_trip(ws, pl.DataFrame({"v": cells, "w": list(reversed(cells))}))


def test_empty_and_zero_column_frames(ws: PgWorkspace) -> None:
    round_trip(ws, pl.DataFrame(schema={"_row_id": pl.UInt64, "a": pl.String, "n": pl.Null}))
    round_trip(ws, pl.DataFrame({"_row_id": pl.Series([3, 1, 2], dtype=pl.UInt64)}))
    round_trip(ws, pl.DataFrame())


def test_a_3000_column_frame_fits_postgresql_limits(ws: PgWorkspace) -> None:
    frame = pl.DataFrame(
        [pl.Series("_row_id", [1, 2], dtype=pl.UInt64)]
        + [pl.Series(f"col {i}", ["x" * 40, f"{i}"]) for i in range(2000)]
        + [pl.Series(f"n{i}", [i, None]) for i in range(1000)]
    )
    round_trip(ws, frame)
    parts = ws.db.execute("SELECT cardinality(parts) FROM clay_frames").fetchone()[0]
    assert parts > 2  # 1,600 columns and 8 kB rows per table: it took several


def test_a_50k_row_frame_round_trips_quickly(ws: PgWorkspace) -> None:
    n = 50_000
    i = pl.int_range(n)
    frame = pl.select(
        _row_id=i + 1,
        email=pl.format("user{}@example.com", i),
        employees=i * 7,
        score=i / 3,
        ok=i % 3 == 0,
        day=pl.date(2020, 1, 1) + pl.duration(days=i % 1000),
    ).with_columns(
        pl.when(pl.col("_row_id") % 5 == 0).then(None).otherwise(pl.col("email")).alias("email")
    )
    started = time.perf_counter()
    round_trip(ws, frame, {"seq": "7"})
    assert time.perf_counter() - started < 10  # ~0.2 s idle; generous for a loaded machine


def _stored_tables(ws: PgWorkspace) -> set[str]:
    rows = ws.db.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename LIKE 'clay\\_frame\\_%'"
    )
    return {r[0] for r in rows}


def test_replacing_leaves_only_the_new_generation(ws: PgWorkspace) -> None:
    write_frame(ws, "t", pl.DataFrame({"a": [1]}))
    first = _stored_tables(ws)
    # a write that crashed after filling its tables, before pointing the frame at them
    prefix = next(iter(first)).rsplit("_", 2)[0]
    ws.db.execute(f'CREATE TABLE "{prefix}_deadbeef0000_p0" (_r bigint)')
    write_frame(ws, "u", pl.DataFrame({"b": [2]}))  # another frame's tables are not touched
    round_trip(ws, pl.DataFrame({"a": [3, 4]}))
    now = _stored_tables(ws)
    assert len(now) == 2 and not now & first  # t's new part and u's part only
    drop_frame(ws, "t")
    drop_frame(ws, "u")
    assert _stored_tables(ws) == set()


def test_an_unsupported_dtype_is_one_sentence_and_stores_nothing(ws: PgWorkspace) -> None:
    round_trip(ws, pl.DataFrame({"a": [1]}))
    before = _stored_tables(ws)
    with pytest.raises(WorkspaceError, match=r"^A column of type List\(Int64\) cannot be stored"):
        write_frame(ws, "t", pl.DataFrame({"a": [[1, 2]]}))
    assert _stored_tables(ws) == before
    assert read_frame(ws, "t")[0].to_dict(as_series=False) == {"a": [1]}  # type: ignore[index]


def _generation(tag: str) -> pl.DataFrame:
    """300 text columns of 30 bytes: over one part's row width, so stored as two tables."""
    rows = 12 if tag == "A" else 8
    return pl.DataFrame({f"col {i}": [f"{tag}{i:029d}"] * rows for i in range(300)})


def test_a_reader_during_replaces_sees_old_or_new_never_a_mix(pg_url: str) -> None:
    settings = load_settings(None, pg_url)
    frames = {tag: _generation(tag) for tag in "AB"}
    with Workspace.open(settings) as writer:
        write_frame(writer, "t", frames["A"], {"gen": "A"})
        assert writer.db.execute("SELECT cardinality(parts) FROM clay_frames").fetchone()[0] == 2
    stop = threading.Event()
    seen: list[str] = []
    failures: list[BaseException] = []

    def read_loop() -> None:
        try:
            with Workspace.open(settings) as reader:
                while not stop.is_set():
                    got = read_frame(reader, "t")
                    assert got is not None
                    tag = got[1]["gen"]
                    assert_frame_equal(got[0], frames[tag])
                    seen.append(tag)
        except BaseException as exc:  # handed to the test thread
            failures.append(exc)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        with Workspace.open(settings) as writer:
            for i in range(8):
                tag = "AB"[i % 2 == 0]
                write_frame(writer, "t", frames[tag], {"gen": tag})
                time.sleep(0.01)
    finally:
        stop.set()
        thread.join(60)
    assert not failures, failures[0]
    assert set(seen) == {"A", "B"}, seen  # the reader did see both generations


def _in_thread(fn) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_the_old_generation_waits_for_its_reader_without_holding_the_workspace_lock(
    pg_url: str,
) -> None:
    settings = load_settings(None, pg_url)
    with Workspace.open(settings) as ws, Workspace.open(settings) as other:
        write_frame(ws, "t", pl.DataFrame({"a": [1]}))
        part = ws.db.execute("SELECT parts[1] FROM clay_frames").fetchone()[0]
        with psycopg.connect(pg_url) as reader:  # mid-read of the old generation
            reader.execute(f'SELECT * FROM "{part}"').fetchall()
            thread, errors = _in_thread(lambda: write_frame(ws, "t", pl.DataFrame({"a": [2]})))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # the new generation is in place...
                if other.db.execute("SELECT parts[1] FROM clay_frames").fetchone()[0] != part:
                    break
                time.sleep(0.02)
            time.sleep(0.2)
            assert thread.is_alive()  # ...and its DROP of the old one waits for the reader
            free = other.db.execute("SELECT pg_try_advisory_lock(?)", (WRITE_LOCK_KEY,))
            assert free.fetchone()[0]  # the ledger's write lock is free meanwhile
            other.db.execute("SELECT pg_advisory_unlock(?)", (WRITE_LOCK_KEY,))
            reader.rollback()
        thread.join(30)
        assert not errors, errors[0]
        assert read_frame(other, "t")[0]["a"].to_list() == [2]  # type: ignore[index]
        assert _stored_tables(ws) == {
            other.db.execute("SELECT parts[1] FROM clay_frames").fetchone()[0]
        }


def test_a_write_under_way_elsewhere_keeps_its_tables_through_drops_and_sweeps(
    pg_url: str,
) -> None:
    """A staged generation (written, not yet the frame's) is another writer's: a drop or the
    sweep of another write of the same frame leaves it alone, and it still lands (the last
    write wins); once its writer settles, nothing of the old generations is left."""
    settings = load_settings(None, pg_url)
    with Workspace.open(settings) as ws, Workspace.open(settings) as other:
        write_frame(ws, "t", pl.DataFrame({"a": [1]}))
        staged = pg_frames.stage_frame(other, "t", pl.DataFrame({"a": [2]}), {"by": "other"})
        drop_frame(ws, "t")
        assert read_frame(ws, "t") is None
        assert _stored_tables(ws) == set(staged.tables)
        write_frame(ws, "t", pl.DataFrame({"a": [3]}))  # sweeps the drop's leftovers, not ours
        assert set(staged.tables) < _stored_tables(ws)
        with other.transaction():
            pg_frames.install_frame(other, staged)
        pg_frames.settle_frame(other, staged)
        got = read_frame(ws, "t")
        assert got is not None and got[0]["a"].to_list() == [2] and got[1] == {"by": "other"}
        assert _stored_tables(ws) == set(staged.tables)


def test_a_staged_write_never_installed_is_dropped_when_settled_or_by_the_next_writer(
    pg_url: str,
) -> None:
    settings = load_settings(None, pg_url)
    with Workspace.open(settings) as ws:
        write_frame(ws, "t", pl.DataFrame({"a": [1]}))
        kept = _stored_tables(ws)
        staged = pg_frames.stage_frame(ws, "t", pl.DataFrame({"a": [2]}))
        pg_frames.settle_frame(ws, staged)  # never installed: its tables go
        assert _stored_tables(ws) == kept
    with Workspace.open(settings) as ws:  # a writer that died staged (its session ended)
        pg_frames.stage_frame(ws, "t", pl.DataFrame({"a": [2]}))
    with Workspace.open(settings) as ws:
        assert len(_stored_tables(ws)) == 2
        write_frame(ws, "u", pl.DataFrame({"b": [1]}))  # another frame's write: not its own
        assert len(_stored_tables(ws)) == 3
        round_trip(ws, pl.DataFrame({"a": [4]}))
        assert len(_stored_tables(ws)) == 2  # t's new part and u's part only


def test_an_unreachable_server_for_table_data_is_one_sentence(ws: PgWorkspace) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ws.url = f"postgresql://ann:s3cret@127.0.0.1:{port}/team"
    with pytest.raises(WorkspaceError) as info:
        write_frame(ws, "t", pl.DataFrame({"a": [1]}))
    message = str(info.value)
    where = f"postgresql://ann@127.0.0.1:{port}/team"
    assert message.startswith(f"Cannot read or write tables in the team workspace {where}: ")
    assert "s3cret" not in message and "\n" not in message


def test_a_write_inside_a_transaction_that_rolls_back_keeps_the_old_frame(ws: PgWorkspace) -> None:
    old = pl.DataFrame({"a": [1, 2]})
    write_frame(ws, "t", old, {"seq": "1"})
    with pytest.raises(RuntimeError), ws.transaction():
        write_frame(ws, "t", pl.DataFrame({"a": [3]}), {"seq": "2"})
        raise RuntimeError("the caller's journal write failed")
    got = read_frame(ws, "t")
    assert got is not None
    assert_frame_equal(got[0], old)
    assert got[1] == {"seq": "1"}
    round_trip(ws, pl.DataFrame({"a": [4]}))  # the next write clears the unused generation
    assert len(_stored_tables(ws)) == 1


def test_a_frame_whose_rows_were_dropped_is_one_sentence(ws: PgWorkspace) -> None:
    write_frame(ws, "t", pl.DataFrame({"a": [1]}))
    for table in _stored_tables(ws):
        ws.db.execute(f'DROP TABLE "{table}"')  # damage from outside clay-tui
    with pytest.raises(WorkspaceError, match=r"^The rows of table 't' are missing from the team"):
        read_frame(ws, "t")
