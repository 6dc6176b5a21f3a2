"""How the grid draws itself: the header lines and the rows on screen (Line API).

``GridRendering`` is part of ``LeadGrid`` (lead_grid.py), which holds the layout (column
offsets, widths, the row window) these methods read.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from clay_tui.table.inert import inert

if TYPE_CHECKING:
    from clay_tui.ui.widgets.lead_grid import LeadGrid

HEADER_HEIGHT = 2  # column name, then its type
NUMERIC = {"int", "float"}


def format_value(value: Any) -> str:
    """How a cell reads on screen: empty for null, one line always, and inert: control
    characters (ESC, BS, CR...) show as placeholders (``␛``), never reach the terminal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}" if value == value else "NaN"
    if isinstance(value, int):
        return str(value)
    return inert(str(value))


def _fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells, marking a cut with an ellipsis."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else "…"
    if right:
        return " " * (width - length) + text
    return text + " " * (width - length)


class GridRendering:
    """Part of ``LeadGrid``: ``render_line`` and what it needs."""

    # ------------------------------------------------------------ rendering
    def render_line(self: LeadGrid, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y < HEADER_HEIGHT:
            return self._header_line(y, width)
        index = int(self.scroll_y) + y - HEADER_HEIGHT
        if index >= self._row_count:
            return Strip.blank(width, self._style("base"))
        return self._row_line(index, width)

    def visible_columns(self: LeadGrid, data_width: int) -> list[int]:
        """Indexes of the columns (partly) inside a data area ``data_width`` wide, as scrolled."""
        left = int(self.scroll_x)
        right = left + data_width
        out = []
        offsets = self._offsets  # ascending: start at the first visible one, not at column 0
        for index in range(max(0, bisect_right(offsets, left) - 1), len(offsets)):
            start = offsets[index]
            if start >= right:
                break
            if start + self._widths[self._columns[index]] + 1 > left:
                out.append(index)
        return out

    def _data_strip(
        self, cells: list[tuple[int, str, Style]], data_width: int, base: Style
    ) -> list[Segment]:
        """Segments of the data area: cells placed at their x, cropped to the viewport."""
        if not cells:
            return [Segment(" " * data_width, base)]
        first_x = self._offsets[cells[0][0]]
        segments = [Segment(text, style) for _, text, style in cells]
        strip = Strip(segments)
        left = int(self.scroll_x) - first_x
        strip = strip.crop(left, left + data_width)
        return list(strip.extend_cell_length(data_width, base))

    def _header_line(self: LeadGrid, y: int, width: int) -> Strip:
        head = self._style("lead-grid--header" if y == 0 else "lead-grid--type")
        sorted_style = self._style("lead-grid--sorted")
        gutter = self._style("lead-grid--gutter")
        data_width = max(0, width - self._gutter)
        sort = self.view.sort if self.view is not None else None
        cells = []
        for index in self.visible_columns(data_width):
            col = self._columns[index]
            w = self._widths[col]
            title = self._titles[index]
            if y == 0:
                mark = f" {self.header_marks[col]}" if col in self.header_marks else ""
                style = head
                if sort is not None and sort[0] == col:
                    mark += " ▼" if sort[1] else " ▲"
                    style = sorted_style
                text = _fit(title, w - len(mark)) + mark if w > len(mark) + 1 else _fit(title, w)
            else:
                note = self.type_notes.get(col)
                label = f"{self._labels[index]} · {note}" if note else self._labels[index]
                text, style = _fit(label, w), head
            if index == self.cursor_col:
                style = style + self._style("lead-grid--cursor-column")
            cells.append((index, text + " ", style))
        label = "#" if y == 0 else ""
        segments = [Segment(_fit(label, self._gutter - 1, right=True) + " ", gutter)]
        segments += self._data_strip(cells, data_width, head)
        return Strip(segments, width)

    def _row_line(self: LeadGrid, index: int, width: int) -> Strip:
        base = self._style("base")
        gutter = self._style("lead-grid--gutter")
        data_width = max(0, width - self._gutter)
        row = self._row(index)
        number = _fit(str(index + 1), self._gutter - 1, right=True) + " "
        if row is None:
            return Strip([Segment(number, gutter), Segment(" " * data_width, base)], width)
        row_id, values = row
        is_cursor_row = index == self.cursor_row
        row_style = base
        if row_id in self.selected:
            row_style = base + self._style("lead-grid--selected")
            gutter = gutter + self._style("lead-grid--selected")
        if is_cursor_row:
            row_style = row_style + self._style("lead-grid--cursor-row")
        cursor = self._style("lead-grid--cursor")
        focused = self.has_focus
        notes = self.notes
        cells = []
        for col_index in self.visible_columns(data_width):
            name = self._columns[col_index]
            w = self._widths[name]
            value = format_value(values[col_index])
            style = row_style
            note = notes[name].get(row_id) if not value and name in notes else None
            if note:
                text = _fit(note, w)
                style = row_style + self._style("lead-grid--status")
            else:
                text = _fit(value, w, right=self._numeric[col_index])
            if is_cursor_row and col_index == self.cursor_col:
                style = row_style + cursor if focused else row_style + Style(reverse=True)
            cells.append((col_index, text + " ", style))
        segments = [Segment(number, gutter), *self._data_strip(cells, data_width, row_style)]
        return Strip(segments, width)
