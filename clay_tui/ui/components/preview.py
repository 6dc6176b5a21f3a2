"""The first rows of a big table, shown read-only while the whole table opens (start-up).

``services.tables.preview_table`` reads them; the table screen shows them here at once, and
the whole table replaces them when it is in (``TableScreen._show_table``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clay_tui.services import tables as table_service
from clay_tui.table.view import TableView
from clay_tui.ui.widgets.table_header import TableHeader

if TYPE_CHECKING:
    from clay_tui.table.preview import PreviewTable
    from clay_tui.ui.screens.table_screen import TableScreen

STILL_LOADING = "The table is still loading; this works once all its rows are in."


def show_preview(screen: TableScreen, preview: PreviewTable) -> None:
    """Attach the first rows to the grid, read-only; the rest may load once they are painted."""
    screen.grid.busy = False
    screen.grid.loading = False
    screen.grid.read_only_note = STILL_LOADING
    screen.grid.attach(preview, TableView(preview))  # type: ignore[arg-type]
    screen.grid.focus()
    screen.query_one(TableHeader).set_name(preview.name)
    screen.status.show_first_rows(preview.name, preview.row_count)
    screen.call_after_refresh(table_service.preview_shown)
