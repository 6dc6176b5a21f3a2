"""Cell values: type labels, text typed by a user, and the JSON form kept in the journal."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from clay_tui.errors import ClayError

LABELS = {
    "text": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "date": pl.Date,
}
TRUE = {"true", "yes", "y", "1", "t"}
FALSE = {"false", "no", "n", "0", "f"}
WHAT = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
}


def label_of(dtype: pl.DataType) -> str:
    """The short type name shown in a column header."""
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.Date:
        return "date"
    return "text"


def dtype_of(label: str) -> pl.DataType:
    try:
        return LABELS[label]
    except KeyError:
        raise ClayError(f"Unknown column type {label!r}: use one of {', '.join(LABELS)}.") from None


def parse_text(text: str | None, label: str, column: str) -> Any:
    """What a user typed, as a value of the column's type; ``ClayError`` if it is not one."""
    if text is None:
        return None
    if label == "text":
        return text if text != "" else None  # an empty cell is null, as when loading
    raw = text.strip()
    if raw == "":
        return None
    try:
        if label == "int":
            if "_" in raw:  # int() accepts 1_000; a cell should not
                raise ValueError(raw)
            return int(raw)
        if label == "float":
            value = float(raw)
            if math.isnan(value) or math.isinf(value):
                raise ValueError(raw)
            return value
        if label == "bool":
            low = raw.lower()
            if low in TRUE:
                return True
            if low in FALSE:
                return False
            raise ValueError(raw)
        if label == "date":
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise ClayError(f"{text!r} is not {WHAT[label]}, which column {column} holds.")


def coerce(value: Any, label: str, column: str) -> Any:
    """A value from code (an enrichment result) as the column's type."""
    if value is None:
        return None
    if label == "text":
        return value if isinstance(value, str) else str(value)
    if label == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if label == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if label == "bool" and isinstance(value, bool):
        return value
    if label == "date" and isinstance(value, dt.date):
        return value
    return parse_text(str(value), label, column)


def encode(value: Any) -> Any:
    """JSON-safe form of a cell value (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def decode(value: Any, label: str) -> Any:
    """Back from :func:`encode`, for a column of type ``label``."""
    if value is None:
        return None
    if label == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if label == "float" and isinstance(value, int):
        return float(value)
    return value
