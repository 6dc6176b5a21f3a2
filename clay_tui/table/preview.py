"""The first rows of a table that is still opening: what the first screen shows of a big file.

A million-row CSV takes about a second to read in full; its first screenful takes a few
milliseconds (:func:`clay_tui.table.loading.load_head`). A :class:`PreviewTable` holds those
rows, read-only, in the shape a :class:`~clay_tui.table.view.TableView` and the grid read
(``_row_id`` first, then the data columns), until the whole table replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from clay_tui.table.frame_reading import FrameReading
from clay_tui.table.ops import ROW_ID


class PreviewTable(FrameReading):
    """Read-only: no edits, no journal, no snapshot; nothing to save or lose."""

    def __init__(self, name: str, frame: pl.DataFrame) -> None:
        self.name = name
        self.frame = frame  # ROW_ID first
        self.notices: list[str] = []
        self.version = 0

    def row(self, row_id: int) -> dict[str, Any]:
        found = self.frame.filter(pl.col(ROW_ID) == row_id)
        if found.height == 0:
            raise KeyError(row_id)
        values = found.row(0, named=True)
        values.pop(ROW_ID, None)
        return values

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        """A preview never changes: nothing to tell."""
        return lambda: None
