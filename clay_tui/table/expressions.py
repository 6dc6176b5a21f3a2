"""Polars SQL expressions typed by a user, turned into a filter or a clear sentence."""

from __future__ import annotations

import polars as pl

from clay_tui.errors import ExpressionError


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


def parse(text: str) -> pl.Expr:
    """A SQL WHERE expression as a Polars expression; ExpressionError if it does not parse."""
    try:
        return pl.sql_expr(text)
    except Exception as exc:  # noqa: BLE001 - polars raises several kinds here
        raise ExpressionError(f"{text!r} is not a valid expression: {_first_line(exc)}.") from None


def explain(text: str, exc: Exception) -> ExpressionError:
    """One sentence for an expression that parsed but does not fit the table."""
    if isinstance(exc, pl.exceptions.ColumnNotFoundError):
        msg = _first_line(exc)
        name = msg.split('"')[1] if msg.count('"') >= 2 else msg
        hint = " (text goes in single quotes: 'like this')" if f'"{name}"' in text else ""
        return ExpressionError(f"{text!r} names a column the table does not have: {name}{hint}.")
    if isinstance(exc, pl.exceptions.InvalidOperationError) and "Boolean" in str(exc):
        return ExpressionError(f"{text!r} is not a condition (it should be true or false per row).")
    if "date/datetime/time" in str(exc):
        return ExpressionError(
            f"{text!r} compares a date with text: write dates as DATE 'YYYY-MM-DD'."
        )
    return ExpressionError(f"{text!r} does not fit the table: {_first_line(exc)}.")


def matching_positions(
    frame: pl.DataFrame, text: str, sort: tuple[str, bool] | None = None
) -> pl.Series:
    """Positions (UInt32) of the rows where ``text`` is true, optionally sorted (nulls last)."""
    expr = parse(text) if text else None
    lf = frame.lazy().with_row_index("__pos")
    try:
        if expr is not None:
            lf = lf.filter(expr)
        if sort is not None:
            lf = lf.sort(sort[0], descending=sort[1], nulls_last=True, maintain_order=True)
        return lf.select("__pos").collect().get_column("__pos")
    except ExpressionError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise explain(text, exc) from None
