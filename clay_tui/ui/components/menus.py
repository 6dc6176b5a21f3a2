"""Menus: the column menu and the table menu, run from their registries of entries
(``COLUMN_MENU`` in screens/column_menu.py, ``TABLE_MENU`` in screens/table_menu.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.screens.column_menu import COLUMN_MENU, ColumnMenu, chosen_entry
from clay_tui.ui.screens.table_menu import TABLE_MENU, TableMenu
from clay_tui.ui.widgets.lead_grid import LeadGrid

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen


class Menus:
    """Part of ``TableScreen``: opens the menus and runs the entry chosen."""

    def action_column_menu(self: TableScreen) -> None:
        column = self.grid.current_column
        if self.table is None or column is None:
            return
        grid = self.grid
        self._open_column_menu(column, grid.column_screen_x(), grid.region.y + 2)

    def on_lead_grid_column_menu_requested(
        self: TableScreen, message: LeadGrid.ColumnMenuRequested
    ) -> None:
        self._open_column_menu(message.column, message.x, message.y + 1)

    def _open_column_menu(self: TableScreen, column: str, x: int, y: int) -> None:
        assert self.table is not None
        spec = owning_spec(self.ws, self.table, column)

        def chosen(choice: str | None) -> None:
            entry = chosen_entry(COLUMN_MENU, choice)
            if entry is None or not self.grid.move_to_column(column):
                return
            entry.run(self)  # the entries act on the current column: the one chosen from

        enrichment = spec.auto_update if spec is not None else None
        self.app.push_screen(ColumnMenu(column, x, y, enrichment=enrichment), self._guarded(chosen))

    def action_table_menu(self: TableScreen) -> None:
        if self.table is None:
            return
        button = self.query_one("#hdr-menu")
        self.app.push_screen(
            TableMenu(self.table.name, self._auto_update(), button.region.x, button.region.y + 1),
            self._guarded(self._table_menu_chosen),
        )

    def on_table_header_menu_pressed(self: TableScreen) -> None:
        self.action_table_menu()

    def _table_menu_chosen(self: TableScreen, choice: str | None) -> None:
        entry = chosen_entry(TABLE_MENU, choice)
        if entry is not None and self.table is not None:
            entry.run(self)

    def action_import_rows(self: TableScreen) -> None:
        if self.table is None:
            return
        from clay_tui.ui.screens.import_rows_screen import ImportRowsScreen  # start-up

        self.app.push_screen(
            ImportRowsScreen(self.ws, self.table), self._guarded(self._rows_imported)
        )

    def _rows_imported(self: TableScreen, result: Any) -> None:
        """Rows arrived from a file: say what changed (auto-update, if on, runs them)."""
        if result is None:
            return
        self.notify(" ".join(result.lines()), timeout=12)
