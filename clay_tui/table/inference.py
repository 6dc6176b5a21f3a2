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

INT_RE = r"^(?:0|-?[1-9][0-9]{0,17})$"  # at most 18 digits: always fits Int64
DATE_FMT = "%Y-%m-%d"
PROBE_ROWS = 2000
ORDER = ("int", "float", "bool", "date")


def _ok(kind: str, t: pl.Expr) -> pl.Expr:
    """Per value: does this (stripped, non-null) text round-trip as ``kind``?"""
    if kind == "int":
        return t.str.contains(INT_RE)
    if kind == "float":
        as_float = t.cast(pl.Float64, strict=False)
        exact = as_float.cast(pl.String) == t
        integer = t.str.contains(INT_RE)
        finite = as_float.is_finite()
        return (exact | integer).fill_null(False) & finite.fill_null(False)
    if kind == "bool":
        return t.str.to_lowercase().is_in(["true", "false"])
    if kind == "date":
        parsed = t.str.to_date(DATE_FMT, strict=False)
        return (parsed.dt.to_string(DATE_FMT) == t).fill_null(False)
    raise ValueError(kind)


def _all_ok(kind: str, column: str) -> pl.Expr:
    """True when the column has a value and every non-empty value round-trips as ``kind``.

    Works on already-stripped text (see :func:`infer_types`).
    """
    t = pl.col(column)
    empty = t.is_null() | (t.str.len_bytes() == 0)
    return (empty | _ok(kind, t)).all() & (~empty).any()


def _bool_casing_ok(column: str) -> pl.Expr:
    """One casing per column, so ``true`` next to ``FALSE`` stays text (a mixed export)."""
    t = pl.col(column)
    rest = t.is_null() | (t.str.len_bytes() == 0)
    return pl.any_horizontal(
        [
            (rest | t.is_in(pair)).all()
            for pair in (["true", "false"], ["True", "False"], ["TRUE", "FALSE"])
        ]
    )


def _convert(kind: str, column: str) -> pl.Expr:
    t = pl.col(column)
    t = pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)
    if kind == "int":
        return t.cast(pl.Int64).alias(column)
    if kind == "float":
        return t.cast(pl.Float64).alias(column)
    if kind == "bool":
        return (t.str.to_lowercase() == "true").alias(column)
    return t.str.to_date(DATE_FMT).alias(column)


def _verdicts(frame: pl.DataFrame, candidates: dict[str, list[str]]) -> dict[str, str]:
    """The first candidate type each column fully passes, checked in rounds.

    Each round checks one type per column (all columns in one parallel ``select``);
    a column that fails moves on to its next candidate in the next round.
    """
    pending = {col: list(kinds) for col, kinds in candidates.items() if kinds}
    chosen: dict[str, str] = {}
    while pending:
        exprs = []
        for col, kinds in pending.items():
            kind = kinds[0]
            ok = _all_ok(kind, col)
            if kind == "bool":
                ok = ok & _bool_casing_ok(col)
            exprs.append(ok.alias(col))
        row = frame.select(exprs).row(0, named=True)
        for col in list(pending):
            kind = pending[col].pop(0)
            if row[col]:
                chosen[col] = kind
            if row[col] or not pending[col]:
                del pending[col]
    return chosen


def infer_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Convert each String column to int/float/bool/date when every value round-trips."""
    text_cols = [c for c, d in frame.schema.items() if d == pl.String]
    if not text_cols or frame.height == 0:
        return frame
    stripped = [pl.col(c).str.strip_chars() for c in text_cols]
    first = _candidates(frame.head(PROBE_ROWS).select(stripped), text_cols)
    if not first:
        return frame
    # the probe only rules types out; the whole (stripped) column must still agree
    work = frame.select([pl.col(c).str.strip_chars() for c in first])
    chosen = _verdicts(work, first)
    if not chosen:
        return frame
    return frame.with_columns(work.select([_convert(kind, col) for col, kind in chosen.items()]))


def _candidates(probe: pl.DataFrame, cols: list[str]) -> dict[str, list[str]]:
    exprs = [_all_ok(kind, c).alias(f"{kind}\x00{c}") for c in cols for kind in ORDER]
    exprs += [
        (pl.col(c).is_null() | (pl.col(c).str.len_bytes() == 0)).all().alias(f"empty\x00{c}")
        for c in cols
    ]
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
