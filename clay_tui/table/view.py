"""What a user sees of a table: filter, sort and hidden columns, as state over the frame.

The view never copies the frame. With no filter and no sort it is the frame;
otherwise it holds one UInt32 series of row positions in view order, and
``slice`` gathers only the rows asked for, so scrolling a million rows stays cheap.
"""

from __future__ import annotations

import re
import threading
import weakref

import polars as pl

from clay_tui.errors import ClayError, ExpressionError
from clay_tui.table import expressions
from clay_tui.table.lead_table import ROW_ID, LeadTable, TableChange

SEARCH_CHUNK = 100_000


class TableView:
    def __init__(self, table: LeadTable) -> None:
        self.table = table
        self.filter_text: str | None = None
        self.sort: tuple[str, bool] | None = None  # (column, descending)
        self.hidden: set[str] = set()
        self._positions: pl.Series | None = None  # None = every row, frame order
        self._frame = table.frame
        self._watched: set[str] = set()  # columns the filter and sort read
        # Changes since the last refresh, so an edit to a column the filter and sort
        # do not read can skip recomputing the positions (a million-row sort).
        self._changes: list[TableChange] = []
        self._changes_lock = threading.Lock()
        ref = weakref.ref(self)

        def note(change: TableChange) -> None:
            view = ref()
            if view is not None:
                with view._changes_lock:
                    view._changes.append(change)

        weakref.finalize(self, table.subscribe(note))

    # ------------------------------------------------------------ state
    def set_filter(self, text: str | None) -> None:
        """Filter with a Polars SQL WHERE expression; on error nothing changes."""
        text = text.strip() if text else None
        self._positions = self._compute(text or None, self.sort)
        self.filter_text = text or None

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        if column is not None and column not in self.table.columns:
            raise ClayError(f"Table {self.table.name} has no column named {column!r}.")
        sort = (column, descending) if column is not None else None
        self._positions = self._compute(self.filter_text, sort)
        self.sort = sort

    def hide(self, column: str) -> None:
        if column in self.table.columns:
            self.hidden.add(column)

    def show(self, column: str) -> None:
        self.hidden.discard(column)

    def show_all(self) -> None:
        self.hidden.clear()

    def refresh(self) -> None:
        """Recompute after a table change; a filter or sort that no longer fits is dropped."""
        with self._changes_lock:
            changes, self._changes = self._changes, []
        columns = set(self.table.columns)
        self.hidden &= columns
        frame = self.table.frame
        if self._unaffected(changes, frame):
            self._frame = frame
            return
        if self.sort is not None and self.sort[0] not in columns:
            self.sort = None
        try:
            self._positions = self._compute(self.filter_text, self.sort)
        except ExpressionError:
            self.filter_text = None
            self._positions = self._compute(None, self.sort)

    def _unaffected(self, changes: list[TableChange], frame: pl.DataFrame) -> bool:
        """True when the changes cannot move, add or drop a row of this view."""
        if self._positions is None:
            return True  # no filter, no sort: the frame itself is the view
        if frame is self._frame:
            return True
        if not changes or frame.height != self._frame.height:
            return False
        return all(
            c.kind in ("set", "results") and not (set(c.columns) & self._watched) for c in changes
        )

    def _compute(self, text: str | None, sort: tuple[str, bool] | None) -> pl.Series | None:
        frame = self.table.frame
        if text is None and sort is None:
            result = None
        else:
            result = expressions.matching_positions(frame, text or "", sort)
        watched = set(expressions.parse(text).meta.root_names()) if text else set()
        if sort is not None:
            watched.add(sort[0])
        self._watched = watched
        self._frame = frame
        return result

    # ------------------------------------------------------------ reading
    @property
    def visible_columns(self) -> list[str]:
        return [c for c in self._frame.columns[1:] if c not in self.hidden]

    @property
    def row_count(self) -> int:
        if self._positions is None:
            return self._frame.height
        return self._positions.len()

    def row_id_at(self, index: int) -> int:
        if not 0 <= index < self.row_count:
            raise IndexError(index)
        pos = index if self._positions is None else self._positions[index]
        return self._frame.get_column(ROW_ID)[pos]

    def row_ids(self, start: int = 0, stop: int | None = None) -> list[int]:
        return self._ordered([ROW_ID], start, stop).get_column(ROW_ID).to_list()

    def slice(self, start: int, stop: int) -> pl.DataFrame:
        """ROW_ID + visible columns for view rows ``start:stop``, in view order."""
        return self._ordered(None, start, stop)

    def _ordered(self, columns: list[str] | None, start: int, stop: int | None) -> pl.DataFrame:
        """Rows ``start:stop`` in view order of ``columns`` (None: ROW_ID + visible columns,
        without naming each one: an expression per column is slow on a wide table)."""
        n = self.row_count
        start = max(0, min(start, n))
        stop = n if stop is None else max(start, min(stop, n))
        if columns is not None:
            frame = self._frame.select(columns)
        elif self.hidden:
            frame = self._frame.drop(list(self.hidden), strict=False)
        else:
            frame = self._frame
        if self._positions is None:
            return frame.slice(start, stop - start)
        return frame.select(pl.all().gather(self._positions.slice(start, stop - start)))

    def search(self, text: str, start: int = 0) -> tuple[int, str] | None:
        """First (view index, column) at/after ``start`` whose text contains ``text``, any case."""
        if not text:
            return None
        columns = self.visible_columns
        if not columns:
            return None
        pattern = "(?i)" + re.escape(text)
        n = self.row_count
        begin = max(0, start)
        while begin < n:
            stop = min(n, begin + SEARCH_CHUNK)
            chunk = self._ordered(columns, begin, stop)
            hits = chunk.select(
                [
                    pl.col(c).cast(pl.String).str.contains(pattern).fill_null(False).alias(c)
                    for c in columns
                ]
            )
            any_hit = hits.select(pl.any_horizontal(pl.all()).arg_true().first()).item()
            if any_hit is not None:
                row = hits.row(any_hit)
                return begin + any_hit, columns[row.index(True)]
            begin = stop
        return None

    def where_row_ids(self, expression: str) -> list[int]:
        """Ids of the table's rows matching ``expression`` (table order, ignores this view)."""
        frame = self.table.frame
        pos = expressions.matching_positions(frame, expression, None)
        return frame.get_column(ROW_ID).gather(pos).to_list()
