"""Editing: a cell, rows, columns (hide, show, rename, delete), and undo.

Every change goes through the table (journaled, undoable) or the enrichment service;
the table's change then refreshes the view (``view_jobs``). What the other parts must know
(notes to read again, a column to go to) is posted as a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.components.base import Component
from clay_tui.ui.components.prompts import EditCell, RenameColumn
from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.messages import AutoStateChanged, FocusColumn, NotesStale
from clay_tui.ui.screens.popup_menu import PopupMenu

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec
    from clay_tui.ui.screens.table_screen import TableScreen


class Editing(Component):
    """Cell, row and column edits."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="editing")

    def _owning_spec(self, column: str) -> ColumnSpec | None:
        assert self.table is not None
        return owning_spec(self.ws, self.table, column)

    # ------------------------------------------------------------ cells and rows
    def open_cell(self) -> None:
        """Enter: an enrichment cell (or one of its outputs) shows its details, from which
        e edits it; any other cell is edited at once."""
        column = self.host.grid.current_column
        row_id = self.host.grid.current_row_id()
        if self.table is None or column is None or row_id is None:
            return
        if self._owning_spec(column) is None:
            self.edit_cell()
            return
        # imported when first needed: start-up (so are the other screens this one opens)
        from clay_tui.ui.screens.cell_details_screen import EDIT as CELL_EDIT
        from clay_tui.ui.screens.cell_details_screen import CellDetailsScreen

        try:
            screen = CellDetailsScreen(self.ws, self.table, column, row_id)
        except ClayError as exc:
            self.fail(exc)
            return

        def chosen(choice: str | None) -> None:
            if choice == CELL_EDIT:
                self.edit_cell()

        self.app.push_screen(screen, self.guard(chosen))

    def edit_cell(self) -> None:
        column = self.host.grid.current_column
        if not self.host.ready() or column is None:
            return
        row_id = self.host.grid.current_row_id()
        if row_id is None:
            return
        self.host.prompt.ask(
            EditCell(row_id, column),
            f"{column}:",
            self.host.grid.current_edit_text(),
            placeholder="empty = no value",
        )

    def set_cell(self, row_id: int, column: str, text: str) -> None:
        assert self.table is not None
        self.table.set_cell(row_id, column, text if text != "" else None)

    def add_row(self) -> None:
        if not self.host.ready():
            return
        assert self.table is not None
        try:
            self.table.add_row()
        except ClayError as exc:
            self.fail(exc)

    def delete_rows(self) -> None:
        if not self.host.ready():
            return
        assert self.table is not None
        grid = self.host.grid
        ids = sorted(grid.selected) if grid.selected else []
        if not ids:
            row_id = grid.current_row_id()
            ids = [row_id] if row_id is not None else []
        if not ids:
            return
        try:
            count = self.table.delete_rows(ids)
        except ClayError as exc:
            self.fail(exc)
            return
        grid.selected.clear()
        self.host.status.show_selected(0)
        self.notify(f"Deleted {count} row{'s' if count != 1 else ''} (ctrl+z undoes).", timeout=3)

    def undo(self) -> None:
        if not self.host.ready():
            return
        assert self.table is not None
        try:
            description = self.table.undo()
        except ClayError as exc:
            self.fail(exc)
            return
        self.notify(description or "Nothing to undo.", timeout=3)  # a sentence: "Undid ..."

    # ------------------------------------------------------------ hidden columns
    def hide_column(self) -> None:
        column = self.host.grid.current_column
        if not self.host.ready() or column is None:
            return
        assert self.host.view is not None
        if len(self.host.grid.columns) <= 1:
            self.notify("The last visible column cannot be hidden.", severity="warning")
            return
        self.host.view.hide(column)
        self.host.grid.reload()
        self.host.grid.move_cursor()
        self.notify(f"Hid {column} (H shows all columns).", timeout=3)

    def show_column(self, column: str) -> None:
        if not self.host.ready():
            return
        assert self.host.view is not None
        self.host.view.show(column)
        self.host.grid.reload()
        self.host.grid.move_to_column(column)

    def show_all_columns(self) -> None:
        if not self.host.ready():
            return
        assert self.host.view is not None
        self.host.view.show_all()
        self.host.grid.reload()
        self.host.grid.move_cursor()

    def choose_columns(self) -> None:
        from clay_tui.ui.screens.columns_screen import ColumnsScreen  # start-up: see open_cell

        if not self.host.ready():
            return
        assert self.table is not None and self.host.view is not None
        self.app.push_screen(
            ColumnsScreen(self.table.columns, set(self.host.view.hidden)),
            self.guard(self._columns_chosen),
        )

    def _columns_chosen(self, hidden: set[str] | None) -> None:
        if hidden is None or self.host.view is None or self.table is None:
            return
        if len(hidden) >= len(self.table.columns):
            self.notify("At least one column must stay visible.", severity="warning")
            return
        for column in self.table.columns:
            if column in hidden:
                self.host.view.hide(column)
            else:
                self.host.view.show(column)
        self.host.grid.reload()
        self.host.grid.move_cursor()

    # ------------------------------------------------------------ rename, delete, edit
    def rename_column(self) -> None:
        column = self.host.grid.current_column
        if not self.host.ready() or column is None:
            return
        spec = self._owning_spec(column)
        if spec is not None:
            if spec.name == column:  # its name is the spec's: rename both in the edit form
                self.edit_column()
            else:
                self.notify(
                    f"{column} is filled by {spec.name} under this name; rename "
                    f"{spec.name} with e, or hide {column} with h.",
                    severity="warning",
                    timeout=5,
                )
            return
        self.host.prompt.ask(RenameColumn(column), f"Rename {column} to:", column)

    def rename(self, old: str, new: str) -> None:
        assert self.table is not None
        enrich_service.rename_data_column(self.ws, self.table, old, new)  # refused if read

    def delete_column(self) -> None:
        column = self.host.grid.current_column
        if not self.host.ready() or column is None:
            return
        assert self.table is not None
        spec = self._owning_spec(column)
        if spec is not None:
            self._confirm_remove(spec)
            return
        try:
            enrich_service.delete_data_column(self.ws, self.table, column)  # refused if read
        except ClayError as exc:
            self.fail(exc)
            return
        self.notify(f"Deleted column {column} (ctrl+z undoes).", timeout=3)

    def _confirm_remove(self, spec: ColumnSpec) -> None:
        """Deleting any column of an enrichment removes the whole enrichment column
        (spec, outputs, stored results; its spend history stays), after a yes."""
        outputs = list(spec.outputs.values())
        what = f"its {len(outputs)} columns" if len(outputs) > 1 else "its column"
        items = [("remove", f"Remove, with {what} and results (no undo)"), ("keep", "Keep it")]
        grid = self.host.grid

        def chosen(choice: str | None) -> None:
            if choice != "remove" or self.table is None:
                return
            enrich_service.remove_column(self.ws, self.table, spec.name)
            self.notify(
                f"Removed enrichment column {spec.name} ({', '.join(outputs)}); its "
                "spend history stays in Credit usage.",
                timeout=5,
            )
            self.post_message(NotesStale())

        self.app.push_screen(
            PopupMenu(f"Remove {spec.name}?", items, grid.column_screen_x(), grid.region.y + 2),
            self.guard(chosen),
        )

    def edit_column(self) -> None:
        if self.table is None:
            return
        spec = self.host.current_spec("edit")
        if spec is None:
            return
        from clay_tui.ui.screens.edit_column_screen import EditColumnScreen  # start-up

        self.app.push_screen(
            EditColumnScreen(self.ws, self.table, spec), self.guard(self._column_edited)
        )

    def _column_edited(self, name: str | None) -> None:
        if name is None:
            return
        self.post_message(FocusColumn(name))
        self.notify(f"Saved {name}.", timeout=3)
        self.post_message(AutoStateChanged())
        self.post_message(NotesStale())
