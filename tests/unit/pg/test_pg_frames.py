"""Polars frames in a team workspace's PostgreSQL schema (workspace/pg_frames.py): every dtype
and hostile column name round-trips, wide frames fit PostgreSQL's limits, a replace is atomic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from clay_tui.config import load_settings
from clay_tui.workspace import Workspace
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
    )
    round_trip(ws, frame, {"seq": "42", "why": "ünï"})


def test_absent_frame_is_none_and_drop_removes(ws: PgWorkspace) -> None:
    assert read_frame(ws, "t") is None
    round_trip(ws, pl.DataFrame({"a": [1]}))
    drop_frame(ws, "t")
    assert read_frame(ws, "t") is None
    drop_frame(ws, "t")  # again: nothing to do
