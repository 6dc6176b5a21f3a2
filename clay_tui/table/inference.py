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
A wide table (more than ``WIDE_COLUMNS`` text columns) is checked the long way round
instead: its cells are stacked into one (column, value) frame, in chunks of about
``CHUNK_CELLS`` cells, and one ``group_by`` judges every column of a chunk at once, so
the Polars expressions built do not grow with the number of columns (20,000 columns
of per-column expressions took minutes).
"""

from __future__ import annotations

import polars as pl

INT_RE = r"^(?:0|-?[1-9][0-9]{0,17})$"  # at most 18 digits: always fits Int64
DATE_FMT = "%Y-%m-%d"
PROBE_ROWS = 2000
ORDER = ("int", "float", "bool", "date")
WIDE_COLUMNS = 200  # more text columns than this: judged in long form (see above)
CHUNK_CELLS = 2_000_000  # cells stacked per group_by in long form
_COL, _VAL = "column", "value"  # the long form's two columns


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
    return _all_ok_expr(kind, pl.col(column))


def _all_ok_expr(kind: str, t: pl.Expr) -> pl.Expr:
    empty = t.is_null() | (t.str.len_bytes() == 0)
    return (empty | _ok(kind, t)).all() & (~empty).any()


def _bool_casing_ok(column: str) -> pl.Expr:
    """One casing per column, so ``true`` next to ``FALSE`` stays text (a mixed export)."""
    return _bool_casing_ok_expr(pl.col(column))


def _bool_casing_ok_expr(t: pl.Expr) -> pl.Expr:
    rest = t.is_null() | (t.str.len_bytes() == 0)
    return pl.any_horizontal(
        [
            (rest | t.is_in(pair)).all()
            for pair in (["true", "false"], ["True", "False"], ["TRUE", "FALSE"])
        ]
    )


def _convert(kind: str, columns: list[str]) -> pl.Expr:
    """One expression converting every column in ``columns`` (text) to ``kind``.

    Only for columns every non-empty stripped value of which round-trips as ``kind``: the
    non-strict casts then turn exactly the empty cells into nulls (and stay fast on
    thousands of columns, where ``when/then`` per column does not).
    """
    t = pl.col(columns).str.strip_chars()
    if kind == "int":
        t = t.cast(pl.Int64, strict=False)
    elif kind == "float":
        t = t.cast(pl.Float64, strict=False)
    elif kind == "bool":
        t = t.str.to_lowercase().replace_strict(
            ["true", "false"], [True, False], default=None, return_dtype=pl.Boolean
        )
    else:
        t = t.str.to_date(DATE_FMT, strict=False)
    return t.name.keep()


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
    if len(text_cols) > WIDE_COLUMNS:
        return _converted(frame, _verdicts_long(frame, text_cols))
    stripped = [pl.col(c).str.strip_chars() for c in text_cols]
    first = _candidates(frame.head(PROBE_ROWS).select(stripped), text_cols)
    if not first:
        return frame
    # the probe only rules types out; the whole (stripped) column must still agree
    work = frame.select([pl.col(c).str.strip_chars() for c in first])
    return _converted(frame, _verdicts(work, first))


def _converted(frame: pl.DataFrame, chosen: dict[str, str]) -> pl.DataFrame:
    """``frame`` with each chosen column converted to its type (one expression per type)."""
    if not chosen:
        return frame
    by_kind: dict[str, list[str]] = {}
    for col, kind in chosen.items():
        by_kind.setdefault(kind, []).append(col)
    return frame.with_columns([_convert(kind, cols) for kind, cols in by_kind.items()])


def _verdicts_long(frame: pl.DataFrame, text_cols: list[str]) -> dict[str, str]:
    """The first type each column fully passes, judged on stacked (column, value) cells."""
    v = pl.col(_VAL)
    checks = [_all_ok_expr(kind, v).alias(kind) for kind in ORDER]
    checks.append(_bool_casing_ok_expr(v).alias("bool_casing"))
    step = max(1, CHUNK_CELLS // frame.height)
    chosen: dict[str, str] = {}
    for start in range(0, len(text_cols), step):
        chunk = text_cols[start : start + step]
        long = frame.select(chunk).unpivot(variable_name=_COL, value_name=_VAL)
        long = long.with_columns(v.str.strip_chars())
        judged = long.group_by(_COL).agg(checks)
        for row in judged.iter_rows(named=True):
            for kind in ORDER:
                if row[kind] and (kind != "bool" or row["bool_casing"]):
                    chosen[row[_COL]] = kind
                    break
    return {col: chosen[col] for col in text_cols if col in chosen}  # in column order


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
