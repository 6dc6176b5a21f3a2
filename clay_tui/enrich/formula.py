"""The formula action's batch execute: one Polars expression over every selected row at once.

Free and offline, so it needs no pool and no reservation: the runner hands it the rows to
run as one frame and stores what comes back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl

from clay_tui.enrich.final import Final
from clay_tui.errors import ClayError
from clay_tui.states import CellState
from clay_tui.table import expressions
from clay_tui.table.lead_table import ROW_ID

if TYPE_CHECKING:
    from clay_tui.enrich.spec import ColumnSpec

PROVIDER = "formula"


def evaluate(spec: ColumnSpec, frame: pl.DataFrame) -> Iterator[tuple[int, Final]]:
    """(row id, how its cell ends) for every row of ``frame``; a bad expression is a
    ClayError (one sentence) before any row is stored."""
    text = str(spec.params.get("expression"))
    try:
        out = frame.select(ROW_ID, expressions.parse(text).alias("v"))
    except ClayError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise expressions.explain(text, exc) from None
    for rid, value in out.iter_rows():
        if value is None or value == "":
            yield rid, Final(CellState.NO_DATA, provider=PROVIDER)
        else:
            yield rid, Final(CellState.FOUND, {"value": value}, provider=PROVIDER)
