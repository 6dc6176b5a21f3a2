"""The virtualized table grid.

A Line-API ``ScrollView``: it renders only the lines on screen and asks the
:class:`TableView` for just the visible slice of rows (plus a margin), kept in a
small window cache. It holds no per-row objects, so a million rows cost the same
to scroll as a hundred. Column widths come from a sample of the first rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView

from clay_tui.table.inert import inert
from clay_tui.ui.keymap import bindings_for
from clay_tui.ui.widgets.grid_render import HEADER_HEIGHT, NUMERIC, GridRendering, format_value

if TYPE_CHECKING:
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.table.view import TableView

SAMPLE_ROWS = 200  # rows sampled for column widths
MIN_WIDTH = 4
MAX_WIDTH = 40


class LeadGrid(GridRendering, ScrollView, can_focus=True):
    """A spreadsheet-like grid over a TableView with a cell cursor."""

    BINDINGS = bindings_for("grid")

    COMPONENT_CLASSES = {
        "lead-grid--header",
        "lead-grid--type",
        "lead-grid--gutter",
        "lead-grid--cursor",
        "lead-grid--cursor-row",
        "lead-grid--cursor-column",
        "lead-grid--selected",
        "lead-grid--sorted",
        "lead-grid--status",
    }

    DEFAULT_CSS = """
    LeadGrid { background: $surface; }
    LeadGrid > .lead-grid--header { text-style: bold; color: $text; background: $panel; }
    LeadGrid > .lead-grid--type { color: $text-muted; background: $panel; text-style: italic; }
    LeadGrid > .lead-grid--sorted { color: $accent; background: $panel; text-style: bold; }
    LeadGrid > .lead-grid--gutter { color: $text-muted; background: $panel; }
    LeadGrid > .lead-grid--cursor { background: $accent; color: $text; text-style: bold; }
    LeadGrid > .lead-grid--cursor-row { background: $boost; }
    LeadGrid > .lead-grid--cursor-column { background: $panel; }
    LeadGrid > .lead-grid--selected { background: $warning-muted; }
    LeadGrid > .lead-grid--status { color: $text-disabled; text-style: italic; }
    """

    class CursorMoved(Message):
        """The cell cursor moved (row is a view index, column a name)."""

        def __init__(self, row: int, column: str | None) -> None:
            self.row = row
            self.column = column
            super().__init__()

    class ColumnMenuRequested(Message):
        """Right-click on a header: open the column menu at a screen position."""

        def __init__(self, column: str, x: int, y: int) -> None:
            self.column = column
            self.x = x
            self.y = y
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table: LeadTable | None = None
        self.view: TableView | None = None
        self.cursor_row = 0
        self.cursor_col = 0
        self.selected: set[int] = set()  # row ids
        self.header_marks: dict[str, str] = {}  # column -> a note after its name ("42%")
        self.type_notes: dict[str, str] = {}  # column -> a note after its type ("auto on")
        self.busy = False  # a worker is changing the view: do not read it
        self.read_only_note: str | None = None  # why its menus are off (a preview): said on use
        self._columns: list[str] = []
        self._labels: list[str] = []
        self._titles: list[str] = []  # column names as drawn (inert)
        self._numeric: list[bool] = []
        self._widths: dict[str, int] = {}
        self._offsets: list[int] = []  # x of each column in the data area
        self._row_count = 0
        self._gutter = 4
        self._win_start = 0
        self._win_rows: list[tuple[int, tuple[Any, ...]]] = []  # (row_id, raw values)
        self._style_cache: dict[str, Style] = {}
        # Enrichment cells without a value show why, dimmed: column -> row id -> "no data"...
        self.notes: dict[str, dict[int, str]] = {}

    @property
    def row_gutter(self) -> int:
        """Width of the row-number gutter left of the data area."""
        return self._gutter

    @property
    def column_offsets(self) -> tuple[int, ...]:
        """Where each visible column starts in the data area (ascending, unscrolled)."""
        return tuple(self._offsets)

    def column_width(self, column: str) -> int:
        """The drawn width of ``column`` (measured from its values; 0 before it is)."""
        return self._widths.get(column, 0)

    def column_screen_x(self, index: int | None = None) -> int:
        """The screen x where visible column ``index`` (default: the cursor's) starts, kept
        inside the grid when it is scrolled out of sight: where its menu opens."""
        i = self.cursor_col if index is None else index
        x = self.region.x + self._gutter + self._offsets[i] - int(self.scroll_x)
        return max(self.region.x, x)

    def set_notes(self, notes: dict[str, dict[int, str]]) -> None:
        """Replace the status notes of enrichment cells and repaint."""
        self.notes = notes
        self.refresh()

    def update_notes(self, column: str, notes: Mapping[int, str], cleared: Iterable[int]) -> None:
        """Change the notes of some cells of ``column``: ``notes`` set, ``cleared`` removed
        (a cell that shows its value); repaint."""
        column_notes = self.notes.setdefault(column, {})
        for rid in cleared:
            column_notes.pop(rid, None)
        column_notes.update(notes)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = {}

    def _style(self, name: str) -> Style:
        """Component styles, cached: looking them up per line costs more than drawing it."""
        style = self._style_cache.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                style = self.get_component_rich_style(name)
            self._style_cache[name] = style
        return style

    # ------------------------------------------------------------ data
    def attach(self, table: LeadTable, view: TableView) -> None:
        """Show this table through this view (called once the table is loaded)."""
        self.table = table
        self.view = view
        self.reload(widths=True)

    @property
    def columns(self) -> list[str]:
        return self._columns

    @property
    def row_count(self) -> int:
        return self._row_count

    @property
    def current_column(self) -> str | None:
        if not self._columns:
            return None
        return self._columns[min(self.cursor_col, len(self._columns) - 1)]

    def current_row_id(self) -> int | None:
        """The row id under the cursor, from the cached window when possible."""
        row = self._row(self.cursor_row)
        return row[0] if row is not None else None

    def current_value_text(self) -> str:
        row = self._row(self.cursor_row)
        if row is None or not self._columns:
            return ""
        return format_value(row[1][self.cursor_col])

    def current_edit_text(self) -> str:
        """The current cell for the edit prompt: a text cell exactly as stored (the prompt draws
        it inert), so Enter on it unchanged changes nothing; other types as shown."""
        row_id, column = self.current_row_id(), self.current_column
        if self.table is not None and row_id is not None and column is not None:
            value = self.table.row(row_id).get(column)
            if isinstance(value, str):
                return value
        return self.current_value_text()

    def reload(self, widths: bool = False) -> None:
        """Re-read the view's shape after any change; drops the window cache."""
        self._win_rows = []
        self._win_start = 0
        if self.view is None or self.table is None:
            return
        self._columns = list(self.view.visible_columns)
        self._row_count = self.view.row_count
        by_column = self.table.dtype_labels()
        self._labels = labels = [by_column[c] for c in self._columns]
        self._titles = [inert(c) for c in self._columns]
        self._numeric = [label in NUMERIC for label in labels]
        missing = [c for c in self._columns if c not in self._widths]
        if widths or missing:
            self._measure(self._columns if widths else missing, by_column)
        self._gutter = max(4, len(str(self._row_count)) + 2)
        x = 0
        self._offsets = []
        for col in self._columns:
            self._offsets.append(x)
            x += self._widths[col] + 1
        self.virtual_size = Size(self._gutter + x, self._row_count + HEADER_HEIGHT)
        self.cursor_row = max(0, min(self.cursor_row, self._row_count - 1))
        self.cursor_col = max(0, min(self.cursor_col, len(self._columns) - 1))
        self.refresh()

    def remeasure(self, columns: list[str]) -> None:
        """Measure these columns again (an enrichment column measured while still empty)."""
        for col in columns:
            self._widths.pop(col, None)
        self.reload()

    def _measure(self, columns: list[str], labels: dict[str, str]) -> None:
        """Column widths from the header and a sample of rows, never the whole frame."""
        assert self.view is not None and self.table is not None
        sample: dict[str, int] = {}
        if columns and self._row_count:
            frame = self.view.slice(0, min(SAMPLE_ROWS, self._row_count))
            for col in set(columns) & set(frame.columns):  # sets: frame.columns is a new list
                values = frame.get_column(col).to_list()
                sample[col] = max((cell_len(format_value(v)) for v in values), default=0)
        for col in columns:
            label = labels[col]
            if col in self.type_notes:
                label += f" · {self.type_notes[col]}"
            width = max(cell_len(inert(col)) + 2, len(label), sample.get(col, 0), MIN_WIDTH)
            self._widths[col] = min(width, MAX_WIDTH)

    def _row(self, index: int) -> tuple[int, tuple[Any, ...]] | None:
        """(row id, raw values: formatted only as drawn) by view index; new window on a miss."""
        start = self._win_start
        if start <= index < start + len(self._win_rows):
            return self._win_rows[index - start]
        if self.busy or self.view is None or not (0 <= index < self._row_count):
            return None
        margin = max(self.size.height, 20)
        start = max(0, index - margin)
        stop = min(self._row_count, index + 2 * margin)
        frame = self.view.slice(start, stop)
        rows = [(values[0], values[1:]) for values in frame.iter_rows()]
        self._win_start = start
        self._win_rows = rows
        if start <= index < start + len(rows):
            return rows[index - start]
        return None

    # ------------------------------------------------------------ cursor
    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_HEIGHT)

    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        """Move the cell cursor (clamped) and scroll it into view."""
        old_row, old_col = self.cursor_row, self.cursor_col
        if row is not None:
            self.cursor_row = max(0, min(row, self._row_count - 1))
        if column is not None:
            self.cursor_col = max(0, min(column, len(self._columns) - 1))
        if self._scroll_to_cursor():
            self.refresh()
        else:  # the two rows whose look changed, and the header (the cursor column's mark)
            if old_col != self.cursor_col:
                self.refresh(Region(0, 0, self.size.width, HEADER_HEIGHT))
            self._refresh_row(old_row)
            self._refresh_row(self.cursor_row)
        self.post_message(self.CursorMoved(self.cursor_row, self.current_column))

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_y) + HEADER_HEIGHT
        if HEADER_HEIGHT <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def move_to_column(self, name: str) -> bool:
        if name in self._columns:
            self.move_cursor(column=self._columns.index(name))
            return True
        return False

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor is visible; True if it scrolled."""
        x, y = self.scroll_x, self.scroll_y
        body = self.body_height
        if self.cursor_row < y:
            y = self.cursor_row
        elif self.cursor_row >= y + body:
            y = self.cursor_row - body + 1
        if self._columns:
            data_width = max(1, self.scrollable_content_region.width - self._gutter)
            x0 = self._offsets[self.cursor_col]
            x1 = x0 + self._widths[self._columns[self.cursor_col]] + 1
            if x0 < x:
                x = x0
            elif x1 > x + data_width:
                x = min(x0, x1 - data_width)
        if (x, y) != (self.scroll_x, self.scroll_y):
            self.scroll_to(x, y, animate=False, immediate=True)
            return True
        return False

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_left(self) -> None:
        self.move_cursor(column=self.cursor_col - 1)

    def action_cursor_right(self) -> None:
        self.move_cursor(column=self.cursor_col + 1)

    def action_page_up(self) -> None:
        body = self.body_height
        self.scroll_to(y=max(0, self.scroll_y - body), animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row - body)

    def action_page_down(self) -> None:
        body = self.body_height
        self.scroll_to(y=self.scroll_y + body, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row + body)

    def action_first_column(self) -> None:
        self.move_cursor(column=0)

    def action_last_column(self) -> None:
        self.move_cursor(column=len(self._columns) - 1)

    def action_first_row(self) -> None:
        self.move_cursor(row=0, column=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self._row_count - 1, column=len(self._columns) - 1)

    def set_header_mark(self, column: str, mark: str | None) -> None:
        """A short note after a column's name in the header (a run's share done), or none."""
        if self.header_marks.get(column) == mark:
            return
        if mark is None:
            self.header_marks.pop(column, None)
        else:
            self.header_marks[column] = mark
        self.refresh()

    def set_type_notes(self, notes: dict[str, str]) -> None:
        """Short notes after columns' types in the header's second line (an enrichment
        column's auto-update switch); columns not named have none."""
        if notes == self.type_notes:
            return
        self.type_notes = dict(notes)
        widened = False
        for col, note in notes.items():  # a column measured before its note: make room
            if col in self._widths and self.table is not None:
                need = min(len(self.table.dtype_label(col)) + 3 + len(note), MAX_WIDTH)
                if self._widths[col] < need:
                    self._widths[col] = need
                    widened = True
        if widened:
            self.reload()
        else:
            self.refresh()

    def action_toggle_select(self) -> None:
        row_id = self.current_row_id()
        if row_id is None:
            return
        if row_id in self.selected:
            self.selected.discard(row_id)
        else:
            self.selected.add(row_id)
        self.move_cursor(row=self.cursor_row + 1)

    # ------------------------------------------------------------ mouse
    def cell_at(self, x: int, y: int) -> tuple[int | None, int | None]:
        """(view row or None for the header, column index or None) at a widget offset."""
        column = None
        if x >= self._gutter and self._offsets:
            data_x = x - self._gutter + int(self.scroll_x)
            i = bisect_right(self._offsets, data_x) - 1  # offsets ascend: no scan
            if i >= 0 and data_x < self._offsets[i] + self._widths[self._columns[i]] + 1:
                column = i
        if y < HEADER_HEIGHT:
            return None, column
        return int(self.scroll_y) + y - HEADER_HEIGHT, column

    def on_click(self, event: events.Click) -> None:
        row, column = self.cell_at(event.x, event.y)
        if column is None:
            return
        if event.button == 3 and row is None:
            self.move_cursor(column=column)
            if self.read_only_note:
                self.notify(self.read_only_note, timeout=3)
                return
            self.post_message(
                self.ColumnMenuRequested(self._columns[column], event.screen_x, event.screen_y)
            )
        elif event.button == 1 and row is not None and row < self._row_count:
            self.move_cursor(row=row, column=column)
        elif event.button == 1 and row is None:
            self.move_cursor(column=column)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._win_rows = []
        self.refresh()
