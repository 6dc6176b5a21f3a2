"""Type inference: a column changes type only when every non-empty value round-trips."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clay_tui.table import inference
from clay_tui.table.inference import PROBE_ROWS, infer_types


def infer(values: list[str | None]) -> pl.Series:
    return infer_types(pl.DataFrame({"c": values}, schema={"c": pl.String})).get_column("c")


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        (["1", "-7", None, "42"], pl.Int64, [1, -7, None, 42]),
        (["1.5", "2", "-0.25"], pl.Float64, [1.5, 2.0, -0.25]),
        (["true", "false", None], pl.Boolean, [True, False, None]),
        (["TRUE", "FALSE"], pl.Boolean, [True, False]),
        (["2024-01-02", "1999-12-31"], pl.Date, [dt.date(2024, 1, 2), dt.date(1999, 12, 31)]),
        (
            [" 12 ", "7", "   "],
            pl.Int64,
            [12, 7, None],
        ),  # surrounding spaces are not data in numbers
    ],
)
def test_columns_that_convert(values, dtype, expected) -> None:
    series = infer(values)
    assert series.dtype == dtype
    assert series.to_list() == expected


@pytest.mark.parametrize(
    "values",
    [
        ["08123", "94107"],  # zip codes: leading zero
        ["+14155550132", "+442071838750"],  # phones: sign
        ["1,200", "300"],  # thousands separator
        ["007", "8"],
        ["-0", "1"],
        ["1.50", "2.5"],  # 1.50 would print as 1.5
        ["1e5", "2"],
        ["NaN", "1.0"],
        ["inf", "1.0"],
        ["12", "twelve"],
        ["true", "FALSE"],  # mixed casing: an export mixing sources
        ["yes", "no"],
        ["2024-02-30", "2024-01-01"],  # not a real date
        ["2024-1-2", "2024-01-01"],
        ["12345678901234567890", "1"],  # does not fit Int64
        [None, None],  # nothing to go on
        ["", "  "],
    ],
)
def test_columns_that_stay_text(values) -> None:
    series = infer(values)
    assert series.dtype == pl.String
    assert series.to_list() == [v if v != "" else v for v in values]


def test_a_bad_value_after_the_probe_keeps_the_column_text() -> None:
    values = [str(i) for i in range(PROBE_ROWS + 500)] + ["0123"]
    assert infer(values).dtype == pl.String


def test_a_column_empty_in_the_probe_is_still_checked() -> None:
    values = [None] * (PROBE_ROWS + 10) + ["5", "6"]
    series = infer(values)
    assert series.dtype == pl.Int64 and series.to_list()[-2:] == [5, 6]


def test_non_text_columns_are_left_alone() -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["3", "4"]})
    out = infer_types(frame)
    assert out.schema == pl.Schema({"a": pl.Int64, "b": pl.Int64})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-(10**17), max_value=10**17), min_size=1, max_size=20))
def test_integers_round_trip(ints: list[int]) -> None:
    series = infer([str(i) for i in ints])
    assert series.dtype == pl.Int64 and series.to_list() == ints


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789+-.,e ", max_size=6), min_size=1, max_size=8))
def test_whatever_converts_prints_back_as_the_same_text(texts: list[str]) -> None:
    """The invariant itself: a converted value prints as the (stripped) text it came from."""
    series = infer(texts)
    if series.dtype == pl.String:
        assert (
            series.to_list() == [t if t != "" else None for t in texts] or series.to_list() == texts
        )
        return
    for text, value in zip(texts, series.to_list(), strict=True):
        stripped = text.strip()
        if not stripped:
            assert value is None
        elif series.dtype == pl.Int64:
            assert str(value) == stripped
        else:
            assert repr(value) == stripped or str(int(value)) == stripped


# ---------------------------------------------------------------- wide tables (issue 10, item 8)
WIDE_CASES: list[list[str | None]] = [
    ["1", "-7", None, "42"],
    ["1.5", "2", "-0.25"],
    ["true", "false", None],
    ["TRUE", "FALSE"],
    ["2024-01-02", "1999-12-31"],
    [" 12 ", "7", "   "],
    ["08123", "94107"],
    ["1.50", "2.5"],
    ["NaN", "1.0"],
    ["12", "twelve"],
    ["true", "FALSE"],
    ["2024-02-30", "2024-01-01"],
    ["12345678901234567890", "1"],
    [None, None],
    ["", "  "],
    ["x", None, "", "y"],
]


def _wide_frame(copies: int) -> pl.DataFrame:
    height = max(len(v) for v in WIDE_CASES)
    columns = {
        f"c{k}_{i}": values + [None] * (height - len(values))
        for k in range(copies)
        for i, values in enumerate(WIDE_CASES)
    }
    return pl.DataFrame(columns, schema={name: pl.String for name in columns})


def test_a_wide_table_decides_each_column_as_a_narrow_one_would() -> None:
    frame = _wide_frame(copies=40)  # 640 columns: the wide way
    assert frame.width > inference.WIDE_COLUMNS
    wide = infer_types(frame)
    assert wide.columns == frame.columns
    for name in frame.columns:
        alone = infer_types(frame.select(name)).get_column(name)
        assert wide.get_column(name).dtype == alone.dtype, name
        assert wide.get_column(name).to_list() == alone.to_list(), name


def test_a_wide_and_tall_table_is_checked_in_column_chunks(monkeypatch) -> None:
    monkeypatch.setattr(inference, "CHUNK_CELLS", 500)  # 16 columns x 40 rows per chunk
    frame = pl.concat([_wide_frame(copies=20)] * 10)  # 320 columns, 40 rows
    out = infer_types(frame)
    for name in frame.columns:
        alone = infer_types(frame.select(name)).get_column(name)
        assert out.get_column(name).dtype == alone.dtype, name
        assert out.get_column(name).to_list() == alone.to_list(), name


def test_the_work_of_inference_does_not_grow_with_the_column_count(monkeypatch) -> None:
    """A 20,000-column import took minutes: inference built Polars expressions per column.

    Counted, not timed: the expressions built must not depend on how many columns there are.
    """
    built: list[str] = []
    ok, convert = inference._ok, inference._convert
    monkeypatch.setattr(inference, "_ok", lambda kind, t: built.append(kind) or ok(kind, t))
    monkeypatch.setattr(
        inference, "_convert", lambda kind, cols: built.append(kind) or convert(kind, cols)
    )

    def expressions(width: int) -> int:
        built.clear()
        kinds = ["1", "2.5", "true", "2024-01-02", "text"]
        frame = pl.DataFrame(
            {f"c{i}": [kinds[i % len(kinds)]] for i in range(width)},
            schema={f"c{i}": pl.String for i in range(width)},
        )
        out = infer_types(frame)
        assert out.schema["c0"] == pl.Int64 and out.schema[f"c{width - 1}"] == pl.String
        return len(built)

    assert expressions(3000) == expressions(300)
