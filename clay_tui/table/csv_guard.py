"""CSV injection guard: exported cells never run as spreadsheet formulas.

Excel, LibreOffice and Google Sheets read a CSV cell that begins with ``=``,
``+``, ``-`` or ``@`` (and, after trimming, a tab or CR) as a formula:
``=cmd|' /C calc'!A0`` runs a program, ``=HYPERLINK(...)`` leaks data. Following
OWASP's advice, such a text cell (and header) is written with a leading ``'``,
which spreadsheets show as text. The full-width forms (``＝ ＋ － ＠``), which some
spreadsheets also accept, are guarded too.

Not touched: number, boolean and date columns (``-2`` in an int column is
written ``-2``), and text cells that are plain numbers, such as ``-2``,
``+1.5``, ``-0.25``, ``1e-5`` or a phone written ``+14155550132``: a spreadsheet
reads them as the number they are and runs nothing. Anything else after the sign
(``-2+3``, ``+1 415 555 0132``, ``@SUM(1)``) gets the ``'``.
"""

from __future__ import annotations

import re

import polars as pl

PREFIX = "'"
TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_TRIGGER_RE = "^[=+\\-@\\t\\r\uff1d\uff0b\uff0d\uff20]"
_NUMBER_RE = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(_NUMBER_RE)


def is_dangerous(text: str) -> bool:
    """True if a spreadsheet could read ``text`` as a formula."""
    return bool(text) and text[0] in TRIGGERS and _NUMBER.match(text) is None


def guard_text(text: str) -> str:
    """``text``, with a leading ``'`` if a spreadsheet could read it as a formula."""
    return PREFIX + text if is_dangerous(text) else text


def guard_frame(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], int]:
    """The frame with its dangerous text cells prefixed, its guarded header, and how many
    cells and header names were changed."""
    header = [guard_text(name) for name in frame.columns]
    changed = sum(1 for a, b in zip(header, frame.columns, strict=True) if a != b)
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        col = pl.col(name)
        bad = col.str.contains(_TRIGGER_RE) & ~col.str.contains(_NUMBER_RE)
        exprs.append((name, bad))
    if not exprs:
        return frame, header, changed
    masks = frame.select(bad.alias(f"m{i}") for i, (_, bad) in enumerate(exprs))
    counts = masks.sum().row(0)
    hit = [(name, bad) for (name, bad), count in zip(exprs, counts, strict=True) if count]
    changed += sum(int(c or 0) for c in counts)
    if hit:
        frame = frame.with_columns(
            pl.when(bad).then(pl.lit(PREFIX) + pl.col(name)).otherwise(pl.col(name)).alias(name)
            for name, bad in hit
        )
    return frame, header, changed
