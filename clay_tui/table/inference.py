"""Column types from text: a column changes type only if every value round-trips.

Rule (applied to each value after stripping surrounding spaces; blank and
whitespace-only cells are empty and do not count):

* **int**   - the text is exactly how Python/Polars prints that integer: ``42``, ``-7``.
  ``007``, ``+14155550132``, ``1,200``, ``08123`` and ``-0`` stay text.
* **float** - the text is an int as above or exactly how Polars prints that float
  (``1.5``, ``2.0``, ``0.001``). ``1.50``, ``1e5`` and ``NaN`` keep the column text,
  because converting them would change what the cell says.
* **bool**  - ``true``/``false`` in any one casing (``TRUE``, ``False``...).
* **date**  - ISO ``YYYY-MM-DD`` that is a real calendar date.

Everything is vectorised in Polars: a quick test on the first rows picks the
candidate types, then one ``select`` checks every candidate over the whole column.
"""

from __future__ import annotations

import polars as pl

INT_RE = r"^-?(?:0|[1-9][0-9]{0,18})$"
DATE_FMT = "%Y-%m-%d"
PROBE_ROWS = 2000
ORDER = ("int", "float", "bool", "date")


def _stripped(column: str) -> pl.Expr:
    t = pl.col(column).str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def _ok(kind: str, t: pl.Expr) -> pl.Expr:
    """Per value: does this (stripped, non-null) text round-trip as ``kind``?"""
    if kind == "int":
        return t.str.contains(INT_RE) & t.cast(pl.Int64, strict=False).is_not_null()
    if kind == "float":
        as_float = t.cast(pl.Float64, strict=False)
        exact = as_float.cast(pl.String) == t
        integer = t.str.contains(INT_RE)
        finite = as_float.is_finite()
        return (exact | integer).fill_null(False) & finite.fill_null(False)
    if kind == "bool":
        return t.is_in(["true", "false"]) | t.is_in(["True", "False"]) | t.is_in(["TRUE", "FALSE"])
    if kind == "date":
        parsed = t.str.to_date(DATE_FMT, strict=False)
        return (parsed.dt.to_string(DATE_FMT) == t).fill_null(False)
    raise ValueError(kind)


def _all_ok(kind: str, column: str) -> pl.Expr:
    t = _stripped(column)
    return (t.is_null() | _ok(kind, t)).all() & t.is_not_null().any()


def _bool_casing_ok(column: str) -> pl.Expr:
    """One casing per column, so ``true`` next to ``FALSE`` stays text (a mixed export)."""
    t = _stripped(column)
    return t.drop_nulls().str.to_lowercase().n_unique() == t.drop_nulls().n_unique()


def _convert(kind: str, column: str) -> pl.Expr:
    t = _stripped(column)
    if kind == "int":
        return t.cast(pl.Int64).alias(column)
    if kind == "float":
        return t.cast(pl.Float64).alias(column)
    if kind == "bool":
        return (t.str.to_lowercase() == "true").alias(column)
    return t.str.to_date(DATE_FMT).alias(column)


def _verdicts(frame: pl.DataFrame, candidates: dict[str, list[str]]) -> dict[str, str]:
    exprs = [
        _all_ok(kind, col).alias(f"{kind}\x00{col}")
        for col, kinds in candidates.items()
        for kind in kinds
    ]
    exprs += [
        _bool_casing_ok(col).alias(f"case\x00{col}")
        for col, kinds in candidates.items()
        if "bool" in kinds
    ]
    if not exprs:
        return {}
    row = frame.select(exprs).row(0, named=True)
    chosen: dict[str, str] = {}
    for col, kinds in candidates.items():
        for kind in kinds:
            if row[f"{kind}\x00{col}"] and (kind != "bool" or row[f"case\x00{col}"]):
                chosen[col] = kind
                break
    return chosen


def infer_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Convert each String column to int/float/bool/date when every value round-trips."""
    text_cols = [c for c, d in frame.schema.items() if d == pl.String]
    if not text_cols or frame.height == 0:
        return frame
    probe = frame.head(PROBE_ROWS)
    first = _candidates(probe, text_cols)
    if not first:
        return frame
    # the probe only rules types out; the whole column must still agree
    chosen = _verdicts(frame, first)
    if not chosen:
        return frame
    return frame.with_columns([_convert(kind, col) for col, kind in chosen.items()])


def _candidates(probe: pl.DataFrame, cols: list[str]) -> dict[str, list[str]]:
    exprs = [_all_ok(kind, c).alias(f"{kind}\x00{c}") for c in cols for kind in ORDER]
    exprs += [_stripped(c).is_null().all().alias(f"empty\x00{c}") for c in cols]
    row = probe.select(exprs).row(0, named=True)
    out: dict[str, list[str]] = {}
    for c in cols:
        if row[f"empty\x00{c}"]:
            kinds = list(ORDER)  # nothing seen yet: the full check decides
        else:
            kinds = [k for k in ORDER if row[f"{k}\x00{c}"]]
        if kinds:
            out[c] = kinds
    return out
