"""Menus: the column menu and the table menu, run from their registries of entries
(``COLUMN_MENU`` in screens/column_menu.py, ``TABLE_MENU`` in screens/table_menu.py), and the
rows imported from a file (a table-menu entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.ui.components.base import Component
from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.screens.column_menu import COLUMN_MENU, ColumnMenu, chosen_entry
from clay_tui.ui.screens.table_menu import TABLE_MENU, TableMenu

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen


class Menus(Component):
    """Opens the menus and runs the entry chosen (on the table screen: the entries are its
    keys' actions)."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="menus")

    def column_menu_here(self) -> None:
        """The column menu of the current column, under its header."""
        grid = self.host.grid
        column = grid.current_column
        if self.table is None or column is None:
            return
        self.column_menu(column, grid.column_screen_x(), grid.region.y + 2)

    def column_menu(self, column: str, x: int, y: int) -> None:
        table = self.table
        assert table is not None
        spec = owning_spec(self.ws, table, column)
        host = self.host

        def chosen(choice: str | None) -> None:
            entry = chosen_entry(COLUMN_MENU, choice)
            if entry is None or not host.grid.move_to_column(column):
                return
            entry.run(host)  # the entries act on the current column: the one chosen from

        enrichment = spec.auto_update if spec is not None else None
        self.app.push_screen(ColumnMenu(column, x, y, enrichment=enrichment), self.guard(chosen))

    def table_menu(self) -> None:
        table = self.table
        if table is None:
            return
        button = self.host.query_one("#hdr-menu")
        self.app.push_screen(
            TableMenu(table.name, self.host.auto_update(), button.region.x, button.region.y + 1),
            self.guard(self._table_menu_chosen),
        )

    def _table_menu_chosen(self, choice: str | None) -> None:
        entry = chosen_entry(TABLE_MENU, choice)
        if entry is not None and self.table is not None:
            entry.run(self.host)

    def import_rows(self) -> None:
        if self.table is None:
            return
        from clay_tui.ui.screens.import_rows_screen import ImportRowsScreen  # start-up

        self.app.push_screen(ImportRowsScreen(self.ws, self.table), self.guard(self._rows_imported))

    def _rows_imported(self, result: Any) -> None:
        """Rows arrived from a file: say what changed (auto-update, if on, runs them)."""
        if result is None:
            return
        self.notify(" ".join(result.lines()), timeout=12)
