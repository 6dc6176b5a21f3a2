"""Polars SQL expressions typed by a user, turned into a filter or a clear sentence.

Every expression is size- and depth-checked before Polars' SQL parser sees it: the
parser recurses without a guard, so ~6,000 ORs (100 KB) or a deep enough chain kills
the process with SIGSEGV instead of raising.
"""

from __future__ import annotations

import re

import polars as pl

from clay_tui.errors import ExpressionError

MAX_CHARS = 10_000  # an expression (filter, condition, formula, --where)
MAX_DEPTH = 200  # parentheses plus chained unary operators (- - - 1, NOT NOT a)
MAX_TERMS = 1_000  # AND / OR operators
SHOWN_CHARS = 80  # how much of a long expression a message quotes

_TOKEN = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|[A-Za-z_][A-Za-z0-9_]*|\S", re.DOTALL)
_UNARY_AFTER = {
    "(",
    ",",
    "and",
    "or",
    "not",
    "-",
    "+",
    "*",
    "/",
    "%",
    "=",
    "<",
    ">",
    "!",
    "when",
    "then",
    "else",
    "case",
    "select",
    "||",
    "",
}


def shown(text: str) -> str:
    """``text`` quoted for a message, cut to a readable length."""
    text = inert(text.replace("\n", " "))
    if len(text) <= SHOWN_CHARS:
        return f"'{text}'"
    return f"'{text[:SHOWN_CHARS]}'... ({len(text):,} characters)"


def check_limits(text: str, what: str = "expression") -> None:
    """ExpressionError (one sentence) if ``text`` is too long, too deep or has too many terms.

    Runs in linear time on the raw text, before any parser."""
    if len(text) > MAX_CHARS:
        raise ExpressionError(
            f"The {what} is too long ({len(text):,} characters; at most "
            f"{MAX_CHARS:,}): for many values use IN (...) or a column."
        )
    depth = max_depth = terms = chain = 0
    prev = ""
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        low = tok.lower()
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(0, depth - 1)
        if low in ("and", "or"):
            terms += 1
        if low in ("-", "+", "not", "~") and prev in _UNARY_AFTER:
            chain += 1
        elif tok != "(":
            chain = 0
        max_depth = max(max_depth, depth + chain)
        prev = low
    if max_depth > MAX_DEPTH:
        raise ExpressionError(
            f"The {what} is nested too deep ({max_depth} levels of "
            f"parentheses or operators; at most {MAX_DEPTH})."
        )
    if terms > MAX_TERMS:
        raise ExpressionError(
            f"The {what} has too many terms ({terms:,} ANDs and ORs; at most "
            f"{MAX_TERMS:,}): for many values use IN (...)."
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` with control characters (escape codes, NUL, bidi overrides) made visible."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256 else f"\\u{ord(m.group(0)):04x}"
        ),
        text,
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    line = text[0].rstrip(".") if text else type(exc).__name__
    line = inert(line)
    return line if len(line) <= 200 else line[:200] + "..."


def parse(text: str) -> pl.Expr:
    """A SQL WHERE expression as a Polars expression; ExpressionError if it does not parse."""
    check_limits(text)
    try:
        return pl.sql_expr(text)
    except RecursionError:
        raise ExpressionError(f"The expression is nested too deep: {shown(text)}.") from None
    except Exception as exc:  # noqa: BLE001 - polars raises several kinds here
        raise ExpressionError(
            f"{shown(text)} is not a valid expression: {_first_line(exc)[:200]}."
        ) from None


def explain(text: str, exc: Exception) -> ExpressionError:
    """One sentence for an expression that parsed but does not fit the table."""
    if isinstance(exc, pl.exceptions.ColumnNotFoundError):
        msg = _first_line(exc)
        name = msg.split('"')[1] if msg.count('"') >= 2 else msg
        hint = " (text goes in single quotes: 'like this')" if f'"{name}"' in text else ""
        return ExpressionError(
            f"{shown(text)} names a column the table does not have: {inert(name)}{hint}."
        )
    if isinstance(exc, pl.exceptions.InvalidOperationError) and "Boolean" in str(exc):
        return ExpressionError(
            f"{shown(text)} is not a condition (it should be true or false per row)."
        )
    if "date/datetime/time" in str(exc):
        return ExpressionError(
            f"{shown(text)} compares a date with text: write dates as DATE 'YYYY-MM-DD'."
        )
    return ExpressionError(f"{shown(text)} does not fit the table: {_first_line(exc)}.")


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
