"""The main screen: one table, its view, and every table action.

Heavy work (loading, sort, filter, search, refresh after a change, save,
export) runs in thread workers that only post messages; the handlers here
change the widgets. A ``ClayError`` anywhere becomes a one-sentence
notification (or an inline prompt error for a bad filter).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.states import RunStatus, in_order, label, state_notes
from clay_tui.table.inert import inert
from clay_tui.ui.enrich_runs import EnrichRuns, RunRequest
from clay_tui.ui.keymap import bindings_for
from clay_tui.ui.messages import (
    JobDone,
    LoadFailed,
    RunFinished,
    RunProgress,
    SearchResult,
    TableChanged,
    TableLoaded,
    ViewFailed,
    ViewUpdated,
)
from clay_tui.ui.screens.column_menu import ColumnMenu
from clay_tui.ui.screens.popup_menu import PopupMenu
from clay_tui.ui.screens.table_menu import TableMenu
from clay_tui.ui.widgets.lead_grid import LeadGrid
from clay_tui.ui.widgets.prompt_bar import PromptBar
from clay_tui.ui.widgets.status_bar import StatusBar
from clay_tui.ui.widgets.table_header import TableHeader

if TYPE_CHECKING:
    from textual.timer import Timer

    from clay_tui.services.enrich import ColumnSpec, RowSelection, RunSummary
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.table.view import TableView
    from clay_tui.workspace import Workspace


_BUSY = {"sort": "sorting…", "filter": "filtering…"}
# An enrichment cell without a value says why, dimmed: its state's label, or this.
RUNNING = "running…"
OVERLAY_MAX_ROWS = 200_000  # above this, "running…" is left to the status bar


def owning_spec(ws: Workspace, table: LeadTable, column: str) -> ColumnSpec | None:
    """Run Info's ``owning_spec``, imported when first needed: start-up (the screens this one
    opens load when first opened)."""
    from clay_tui.ui.screens.run_info_screen import owning_spec as find

    return find(ws, table, column)


class TableScreen(Screen[None]):
    BINDINGS = bindings_for("screen")

    def __init__(
        self, ws: Workspace, table: LeadTable | None = None, target: str | None = None
    ) -> None:
        super().__init__()
        self.ws = ws
        self.table: LeadTable | None = table
        self.view: TableView | None = None
        self.target = target
        self.saved_version: int | None = None
        self.last_search: str | None = None
        self.load_error: str | None = None
        self._refresh_pending = False
        self._unsubscribe: Callable[[], None] | None = None
        self.runs: EnrichRuns | None = None
        self._notes_timer: Timer | None = None
        self._goto_after_refresh: str | None = None
        self._remeasure: list[str] = []  # columns to measure again once the view settles
        self._notes_cost = 0.0  # seconds the last notes reload took
        self._run_clock: tuple[str, float] | None = None  # (column, when its run first reported)

    async def _on_message(self, message: Message) -> None:
        # A ClayError a handler did not catch is still one sentence, never a traceback.
        try:
            await super()._on_message(message)
        except ClayError as exc:
            self._fail(exc)

    def _guarded(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        """A menu callback that turns a ClayError into a notification."""

        def run(choice: Any) -> None:
            try:
                fn(choice)
            except ClayError as exc:
                self._fail(exc)

        return run

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield TableHeader(id="header")
        yield LeadGrid(id="grid")
        yield PromptBar(id="prompt")
        yield StatusBar(self.ws, id="status")

    @property
    def grid(self) -> LeadGrid:
        return self.query_one(LeadGrid)

    @property
    def prompt(self) -> PromptBar:
        return self.query_one(PromptBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        self.grid.focus()
        if self.table is not None:
            self._show_table(self.table)
        else:
            self.grid.busy = True
            self.grid.loading = True
            self._load(self.target)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, target: str | None) -> None:
        try:
            # (results stored after the last snapshot, a kill mid-run, come back as the
            # table first loads: services.tables.get_table)
            table = table_service.open_table(self.ws, target)
        except ClayError as exc:
            self.post_message(LoadFailed(str(exc)))
        except OSError as exc:  # the core should have said it; never show a traceback for it
            self.post_message(LoadFailed(f"{target} cannot be read: {exc.strerror or exc}."))
        else:
            self.post_message(TableLoaded(table))

    def on_table_loaded(self, message: TableLoaded) -> None:
        self._show_table(message.table)

    def on_load_failed(self, message: LoadFailed) -> None:
        # Nothing to show: leave, and let the CLI print the one sentence (exit code 2).
        self.load_error = message.error
        self.app.exit(return_code=2)

    def _show_table(self, table: LeadTable) -> None:
        from clay_tui.table.view import TableView

        self.table = table
        self.view = TableView(table)
        self.saved_version = table.version
        self._unsubscribe = table.subscribe(lambda change: self.post_message(TableChanged(change)))
        self.grid.busy = False
        self.grid.loading = False
        self.grid.attach(table, self.view)
        self.grid.focus()
        for notice in getattr(table, "notices", []):  # e.g. "Read as cp1252: ..."
            self.notify(notice, severity="warning", timeout=8)
        self.query_one(TableHeader).set_name(table.name)
        self.runs = EnrichRuns(self, self.ws, table)
        self._refresh_status()
        self._show_auto_state()
        self._reload_notes()
        # Everything built so far lives as long as the app: keep it out of the cyclic GC, whose
        # full passes over it otherwise cost a keypress ~70 ms now and then.
        gc.freeze()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.runs is not None:
            self.runs.stop()

    # ------------------------------------------------------------ helpers
    def _ready(self) -> bool:
        """Table actions need a loaded table and no view job in flight."""
        if self.table is None or self.view is None:
            return False
        if self.grid.busy:
            self.notify("Still working on the last change…", timeout=2)
            return False
        return True

    def _fail(self, exc: ClayError) -> None:
        self.notify(str(exc), severity="error", timeout=6)

    def _refresh_status(self) -> None:
        if self.table is None or self.view is None:
            return
        self.status.show_table(self.table.name, self.grid.row_count, self.table.row_count)
        self.status.show_filter(self.view.filter_text)
        self.status.show_cell(
            self.grid.current_column, self.grid.cursor_row, self.grid.current_row_id()
        )

    def _auto_update(self) -> bool:
        if self.table is None:
            return False
        try:
            return table_service.table_auto_update(self.ws, self.table)
        except ClayError:
            return False

    def on_lead_grid_cursor_moved(self, message: LeadGrid.CursorMoved) -> None:
        self.status.show_cell(message.column, message.row, self.grid.current_row_id())
        self.status.show_selected(len(self.grid.selected))

    # ------------------------------------------------------------ view jobs
    def _run_view_job(self, kind: str, job: Callable[[], str]) -> None:
        """Run ``job`` (which changes the view) in a worker; the grid pauses reading."""
        self.grid.busy = True
        self.status.show_busy(_BUSY.get(kind, "updating…"))
        self._view_worker(kind, job)

    @work(thread=True, group="view")
    def _view_worker(self, kind: str, job: Callable[[], str]) -> None:
        try:
            detail = job()
        except ClayError as exc:
            self.post_message(ViewFailed(kind, str(exc)))
        else:
            self.post_message(ViewUpdated(kind, detail))

    def on_view_updated(self, message: ViewUpdated) -> None:
        grid = self.grid
        grid.busy = False
        self.status.show_busy(None)
        if self._refresh_pending:  # changes arrived while we were busy: catch up first
            self._refresh_pending = False
            self._refresh_view(message.kind)
            return
        if message.kind in ("sort", "filter"):
            grid.cursor_row = 0
            grid.scroll_to(y=0, animate=False, immediate=True)
        grid.reload(widths=False)
        if self._remeasure:
            self._remeasure_now()
        if message.kind == "filter":
            self.prompt.close()
            grid.focus()
        if message.kind == "add_rows" and self.view is not None and self.view.sort is None:
            grid.move_cursor(row=grid.row_count - 1, column=0)
        elif self._goto_after_refresh and self._goto_after_refresh in grid.columns:
            grid.move_to_column(self._goto_after_refresh)
            self._goto_after_refresh = None
        else:
            grid.move_cursor()
        if message.detail:
            self.notify(message.detail, timeout=3)
        self._refresh_status()

    def on_view_failed(self, message: ViewFailed) -> None:
        self.grid.busy = False
        self.status.show_busy(None)
        self.grid.reload()
        if message.kind == "filter" and self.prompt.is_open:
            self.prompt.show_error(message.error)
        else:
            self.notify(message.error, severity="error", timeout=6)
        self._refresh_status()
        if self._refresh_pending:
            self._refresh_pending = False
            self._refresh_view("refresh")

    def on_table_changed(self, message: TableChanged) -> None:
        """Any change to the table (ours, an undo, or an enrichment run): recompute the view."""
        if self.view is None:
            return
        self._enrichment_change(message.change)
        if self.grid.busy:  # coalesce bursts (an enrichment run writes results in batches)
            self._refresh_pending = True
            return
        self._refresh_view(message.change.kind)

    def _refresh_view(self, kind: str) -> None:
        view = self.view
        assert view is not None

        def job() -> str:
            view.refresh()
            return ""

        self._run_view_job(kind, job)

    # ------------------------------------------------------------ sort / filter / search
    def action_sort_asc(self) -> None:
        self._sort(False)

    def action_sort_desc(self) -> None:
        self._sort(True)

    def _sort(self, descending: bool) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_sort(column, descending)
            return ""

        self._run_view_job("sort", job)

    def action_clear_sort(self) -> None:
        if not self._ready():
            return
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_sort(None)
            return ""

        self._run_view_job("sort", job)

    def action_filter(self) -> None:
        if self.view is None:
            return
        self.prompt.ask(
            "filter",
            "Filter:",
            self.view.filter_text or "",
            placeholder="country = 'US' AND employees > 100   (empty = no filter)",
        )

    def action_clear_filter(self) -> None:
        if not self._ready():
            return
        self._apply_filter(None)

    def _apply_filter(self, text: str | None) -> None:
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_filter(text)
            return ""

        self._run_view_job("filter", job)

    def action_search(self) -> None:
        if self.view is None:
            return
        self.prompt.ask("search", "Search:", self.last_search or "", select=True)

    def action_search_next(self) -> None:
        if not self.last_search:
            self.action_search()
            return
        if self._ready():
            self._search(self.last_search, self.grid.cursor_row + 1)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str, start: int) -> None:
        view = self.view
        assert view is not None
        try:
            found = view.search(text, start)
            wrapped = False
            if found is None and start > 0:
                found, wrapped = view.search(text, 0), True
        except ClayError as exc:
            self.post_message(JobDone(str(exc), error=True))
            return
        self.post_message(SearchResult(text, found, wrapped))

    def on_search_result(self, message: SearchResult) -> None:
        if message.found is None:
            self.notify(f"No match for “{message.text}”.", severity="warning", timeout=3)
            return
        index, column = message.found
        if message.wrapped:
            self.notify("Search wrapped to the top.", timeout=2)
        grid = self.grid
        column_index = grid.columns.index(column) if column in grid.columns else None
        grid.move_cursor(row=index, column=column_index)

    # ------------------------------------------------------------ prompt answers
    @on(PromptBar.Submitted)
    def on_prompt_submitted(self, message: PromptBar.Submitted) -> None:
        value = message.value
        mode = message.mode
        if mode == "filter":
            if self.grid.busy:
                return
            self.prompt.show_error(None)
            self._apply_filter(value.strip() or None)
            return  # the prompt closes when the filter succeeds
        if mode == "search":
            if value:
                self.last_search = value
                self._search(value, self.grid.cursor_row)
        elif mode == "goto":
            if not self._goto(value):
                self.prompt.show_error(f"No visible column named “{value}”.")
                return
        elif mode == "edit":
            row_id, column = message.context
            if not self._try(lambda: self._set_cell(row_id, column, value)):
                return
        elif mode == "rename":
            old = message.context
            if not self._try(lambda: self._rename(old, value.strip())):
                return
        elif mode == "export":
            self._export(value.strip())
        self.prompt.close()

    def on_prompt_bar_closed(self) -> None:
        self.grid.focus()

    def _try(self, fn: Callable[[], None]) -> bool:
        """Run a table change; a ClayError shows inline in the prompt and keeps it open."""
        try:
            fn()
        except ClayError as exc:
            self.prompt.show_error(str(exc))
            return False
        return True

    def _goto(self, name: str) -> bool:
        grid = self.grid
        name = name.strip()
        if grid.move_to_column(name):
            return True
        for col in grid.columns:
            if col.lower() == name.lower() or inert(col).lower() == name.lower():
                return grid.move_to_column(col)
        matches = [c for c in grid.columns if c.lower().startswith(name.lower())] if name else []
        return grid.move_to_column(matches[0]) if matches else False

    def action_goto_column(self) -> None:
        if self.view is None:
            return
        self.prompt.ask("goto", "Go to column:", suggestions=list(self.grid.columns))

    # ------------------------------------------------------------ editing
    def action_open_cell(self) -> None:
        """Enter: an enrichment cell (or one of its outputs) shows its details, from which
        e edits it; any other cell is edited at once."""
        column = self.grid.current_column
        row_id = self.grid.current_row_id()
        if self.table is None or column is None or row_id is None:
            return
        if owning_spec(self.ws, self.table, column) is None:
            self.action_edit_cell()
            return
        # imported when first needed: start-up (so are the other screens this one opens)
        from clay_tui.ui.screens.cell_details_screen import EDIT as CELL_EDIT
        from clay_tui.ui.screens.cell_details_screen import CellDetailsScreen

        try:
            screen = CellDetailsScreen(self.ws, self.table, column, row_id)
        except ClayError as exc:
            self._fail(exc)
            return

        def chosen(choice: str | None) -> None:
            if choice == CELL_EDIT:
                self.action_edit_cell()

        self.app.push_screen(screen, self._guarded(chosen))

    def action_edit_cell(self) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        row_id = self.grid.current_row_id()
        if row_id is None:
            return
        self.prompt.ask(
            "edit",
            f"{column}:",
            self.grid.current_edit_text(),
            context=(row_id, column),
            placeholder="empty = no value",
        )

    def _set_cell(self, row_id: int, column: str, text: str) -> None:
        assert self.table is not None
        self.table.set_cell(row_id, column, text if text != "" else None)

    def action_add_row(self) -> None:
        if not self._ready():
            return
        assert self.table is not None
        try:
            self.table.add_row()
        except ClayError as exc:
            self._fail(exc)

    def action_delete_rows(self) -> None:
        if not self._ready():
            return
        assert self.table is not None
        grid = self.grid
        ids = sorted(grid.selected) if grid.selected else []
        if not ids:
            row_id = grid.current_row_id()
            ids = [row_id] if row_id is not None else []
        if not ids:
            return
        try:
            count = self.table.delete_rows(ids)
        except ClayError as exc:
            self._fail(exc)
            return
        grid.selected.clear()
        self.status.show_selected(0)
        self.notify(f"Deleted {count} row{'s' if count != 1 else ''} (ctrl+z undoes).", timeout=3)

    def action_undo(self) -> None:
        if not self._ready():
            return
        assert self.table is not None
        try:
            description = self.table.undo()
        except ClayError as exc:
            self._fail(exc)
            return
        self.notify(description or "Nothing to undo.", timeout=3)  # a sentence: "Undid ..."

    # ------------------------------------------------------------ columns
    def action_hide_column(self) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        assert self.view is not None
        if len(self.grid.columns) <= 1:
            self.notify("The last visible column cannot be hidden.", severity="warning")
            return
        self.view.hide(column)
        self.grid.reload()
        self.grid.move_cursor()
        self.notify(f"Hid {column} (H shows all columns).", timeout=3)

    def show_column(self, column: str) -> None:
        if not self._ready():
            return
        assert self.view is not None
        self.view.show(column)
        self.grid.reload()
        self.grid.move_to_column(column)

    def action_show_all_columns(self) -> None:
        if not self._ready():
            return
        assert self.view is not None
        self.view.show_all()
        self.grid.reload()
        self.grid.move_cursor()

    def action_choose_columns(self) -> None:
        from clay_tui.ui.screens.columns_screen import ColumnsScreen  # start-up: see open_cell

        if not self._ready():
            return
        assert self.table is not None and self.view is not None
        self.app.push_screen(
            ColumnsScreen(self.table.columns, set(self.view.hidden)),
            self._guarded(self._columns_chosen),
        )

    def _columns_chosen(self, hidden: set[str] | None) -> None:
        if hidden is None or self.view is None or self.table is None:
            return
        if len(hidden) >= len(self.table.columns):
            self.notify("At least one column must stay visible.", severity="warning")
            return
        for column in self.table.columns:
            if column in hidden:
                self.view.hide(column)
            else:
                self.view.show(column)
        self.grid.reload()
        self.grid.move_cursor()

    def action_rename_column(self) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        assert self.table is not None
        spec = owning_spec(self.ws, self.table, column)
        if spec is not None:
            if spec.name == column:  # its name is the spec's: rename both in the edit form
                self.action_edit_column()
            else:
                self.notify(
                    f"{column} is filled by {spec.name} under this name; rename "
                    f"{spec.name} with e, or hide {column} with h.",
                    severity="warning",
                    timeout=5,
                )
            return
        self.prompt.ask("rename", f"Rename {column} to:", column, context=column)

    def _rename(self, old: str, new: str) -> None:
        assert self.table is not None
        enrich_service.rename_data_column(self.ws, self.table, old, new)  # refused if read

    def action_delete_column(self) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        assert self.table is not None
        spec = owning_spec(self.ws, self.table, column)
        if spec is not None:
            self._confirm_remove(spec)
            return
        try:
            enrich_service.delete_data_column(self.ws, self.table, column)  # refused if read
        except ClayError as exc:
            self._fail(exc)
            return
        self.notify(f"Deleted column {column} (ctrl+z undoes).", timeout=3)

    def _confirm_remove(self, spec: ColumnSpec) -> None:
        """Deleting any column of an enrichment removes the whole enrichment column
        (spec, outputs, stored results; its spend history stays), after a yes."""
        outputs = list(spec.outputs.values())
        what = f"its {len(outputs)} columns" if len(outputs) > 1 else "its column"
        items = [("remove", f"Remove, with {what} and results (no undo)"), ("keep", "Keep it")]
        grid = self.grid
        x = grid.region.x + grid._gutter + grid._offsets[grid.cursor_col] - int(grid.scroll_x)

        def chosen(choice: str | None) -> None:
            if choice != "remove" or self.table is None:
                return
            enrich_service.remove_column(self.ws, self.table, spec.name)
            self.notify(
                f"Removed enrichment column {spec.name} ({', '.join(outputs)}); its "
                "spend history stays in Credit usage.",
                timeout=5,
            )
            self._schedule_notes()

        self.app.push_screen(
            PopupMenu(f"Remove {spec.name}?", items, max(grid.region.x, x), grid.region.y + 2),
            self._guarded(chosen),
        )

    def action_edit_column(self) -> None:
        if self.table is None:
            return
        spec = self._current_spec("edit")
        if spec is None:
            return
        from clay_tui.ui.screens.edit_column_screen import EditColumnScreen  # start-up

        self.app.push_screen(
            EditColumnScreen(self.ws, self.table, spec), self._guarded(self._column_edited)
        )

    def _column_edited(self, name: str | None) -> None:
        if name is None:
            return
        self._goto_after_refresh = name
        if name in self.grid.columns:
            self.grid.move_to_column(name)
        self.notify(f"Saved {name}.", timeout=3)
        self._show_auto_state()
        self._schedule_notes()

    # ------------------------------------------------------------ menus
    def action_column_menu(self) -> None:
        column = self.grid.current_column
        if self.table is None or column is None:
            return
        grid = self.grid
        x = grid.region.x + grid._gutter + grid._offsets[grid.cursor_col] - int(grid.scroll_x)
        self._open_column_menu(column, max(grid.region.x, x), grid.region.y + 2)

    def on_lead_grid_column_menu_requested(self, message: LeadGrid.ColumnMenuRequested) -> None:
        self._open_column_menu(message.column, message.x, message.y + 1)

    def _open_column_menu(self, column: str, x: int, y: int) -> None:
        assert self.table is not None
        spec = owning_spec(self.ws, self.table, column)

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if not self.grid.move_to_column(column):
                return
            actions = {
                "sort_asc": self.action_sort_asc,
                "sort_desc": self.action_sort_desc,
                "hide": self.action_hide_column,
                "rename": self.action_rename_column,
                "delete": self.action_delete_column,
                "run_info": self.action_run_info,
                "run": self.action_run_column,
                "edit": self.action_edit_column,
            }
            if choice in actions:
                actions[choice]()
            elif choice == "auto_update" and spec is not None and self.table is not None:
                on = not spec.auto_update
                enrich_service.set_column_auto_update(self.ws, self.table, spec.name, on)
                note = (
                    ""
                    if self._auto_update() or not on
                    else " (the table's switch is off: turn it on in the table menu, t)"
                )
                plan = next(
                    (
                        c
                        for c in enrich_service.auto_update_state(self.ws, self.table).columns
                        if c.column == spec.name
                    ),
                    None,
                )
                if on and plan is not None:  # what it will do
                    cond = f"; condition {', '.join(plan.condition)}" if plan.condition else ""
                    note += (
                        f": runs on new rows and when {', '.join(plan.inputs) or 'nothing'}"
                        f"{cond} change; up to {plan.per_row_max} credit"
                        f"{'s' if plan.per_row_max != 1 else ''} a row"
                    )
                self.notify(
                    f"Auto-update of {spec.name} {'on' if on else 'off'}{note}.",
                    timeout=8 if on else 4,
                )
                self._show_auto_state()

        enrichment = spec.auto_update if spec is not None else None
        self.app.push_screen(ColumnMenu(column, x, y, enrichment=enrichment), self._guarded(chosen))

    def action_table_menu(self) -> None:
        if self.table is None:
            return
        button = self.query_one("#hdr-menu")
        self.app.push_screen(
            TableMenu(self.table.name, self._auto_update(), button.region.x, button.region.y + 1),
            self._guarded(self._table_menu_chosen),
        )

    def on_table_header_menu_pressed(self) -> None:
        self.action_table_menu()

    def _table_menu_chosen(self, choice: str | None) -> None:
        if choice == "show_all":
            self.action_show_all_columns()
        elif choice == "columns":
            self.action_choose_columns()
        elif choice == "save":
            self.action_save()
        elif choice == "export":
            self.action_export_csv()
        elif choice == "add_enrichment":
            self.action_add_enrichment()
        elif choice == "new_table_search":
            self.app.call_later(self.app.run_action, "new_table_search")
        elif choice == "import_rows" and self.table is not None:
            from clay_tui.ui.screens.import_rows_screen import ImportRowsScreen  # start-up

            self.app.push_screen(
                ImportRowsScreen(self.ws, self.table), self._guarded(self._rows_imported)
            )
        elif choice == "auto_update" and self.table is not None:
            on = not self._auto_update()
            pending = self.runs.pending_cells() if self.runs is not None else 0
            if not on and pending:
                self._ask_pending(pending)
                return
            if on:  # asks first, showing what it will do and may cost
                self._confirm_auto_update()
                return
            self._set_table_auto_update(on)

    def _rows_imported(self, result: Any) -> None:
        """Rows arrived from a file: say what changed (auto-update, if on, runs them)."""
        if result is None:
            return
        self.notify(" ".join(result.lines()), timeout=12)

    def _confirm_auto_update(self) -> None:
        from clay_tui.ui.screens.auto_update_screen import AutoUpdateScreen

        assert self.table is not None
        state = enrich_service.auto_update_state(self.ws, self.table)
        most = state.per_row_max

        def chosen(yes: bool | None) -> None:
            if yes:
                self._set_table_auto_update(
                    True, f"; at most {most} credits per new or edited row, {state.daily_cap} a day"
                )

        self.app.push_screen(AutoUpdateScreen(state), self._guarded(chosen))

    def _set_table_auto_update(self, on: bool, detail: str = "") -> None:
        assert self.table is not None
        try:
            table_service.set_table_auto_update(self.ws, self.table, on)
        except ClayError as exc:
            self._fail(exc)
            return
        self._show_auto_state()
        self.notify(f"Auto-update columns {'on' if on else 'off'}{detail}.", timeout=4)

    def _ask_pending(self, pending: int) -> None:
        """Turning auto-update off with cells waiting: run them, or leave them alone."""
        button = self.query_one("#hdr-menu")
        items = [("drop", "Continue without running"), ("run", "Run pending cells")]
        title = f"{pending:,} cell{'s' if pending != 1 else ''} pending"

        def chosen(choice: str | None) -> None:
            runs = self.runs
            if choice is None or runs is None:
                return  # Esc: auto-update stays on
            if choice == "run":
                runs.flush_auto()
                self._set_table_auto_update(False, f"; running {pending:,} pending cells")
            else:
                dropped = runs.drop_pending()
                self._set_table_auto_update(False, f"; {dropped:,} pending cells left unrun")

        self.app.push_screen(
            PopupMenu(title, items, button.region.x, button.region.y + 1), self._guarded(chosen)
        )

    # ------------------------------------------------------------ save / export
    def action_save(self) -> None:
        if self.table is None:
            return
        self._save_worker()

    @work(thread=True, exclusive=True, group="save")
    def _save_worker(self) -> None:
        try:
            self.save_now()
        except ClayError as exc:
            self.post_message(JobDone(str(exc), error=True))
        else:
            self.post_message(JobDone("Saved."))

    def save_now(self) -> bool:
        """Fold the journal into the snapshot if anything changed; True if it saved."""
        table = self.table
        if table is None:
            return False
        # `dirty` (when the core has it) also covers a journal left by a crash before we opened.
        if table.version == self.saved_version and not getattr(table, "dirty", False):
            return False
        version = table.version
        table.save()
        self.saved_version = version
        return True

    def action_export_csv(self) -> None:
        if self.table is None:
            return
        default = str(Path.cwd() / f"{self.table.name}.csv")
        self.prompt.ask("export", "Export CSV to:", default)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, path: str) -> None:
        assert self.table is not None
        try:
            if not path:
                raise ClayError("Give a file name to export to.")
            guarded = table_service.export_table(self.ws, self.table, Path(path).expanduser())
        except ClayError as exc:
            self.post_message(JobDone(str(exc), error=True))
        else:
            note = (
                f" {guarded:,} cell(s) that would run as formulas got a leading '."
                if guarded
                else ""
            )
            self.post_message(JobDone(f"Exported {self.table.name} to {path}.{note}"))

    def on_job_done(self, message: JobDone) -> None:
        self.notify(message.text, severity="error" if message.error else "information", timeout=4)

    # ------------------------------------------------------------ enrichment
    def _enrichment_change(self, change: Any) -> None:
        """Auto-update gathers what to run; results clear "running…" and refresh the notes."""
        runs = self.runs
        if runs is None:
            return
        if change.kind == "results":
            for column in change.columns:
                runs.mark_done(column, change.row_ids)
            self._schedule_notes()
        elif change.kind in ("add_column", "delete_column", "rename_column"):
            self._schedule_notes()
        if change.kind in ("set", "add_rows", "results"):
            before = runs.pending_cells()
            runs.on_table_change(change)
            if runs.pending_cells() != before:
                self._show_auto_state()

    def _show_auto_state(self) -> None:
        """The table's switch in the status bar; each enrichment column's own switch in the
        header's type line ("text · auto on")."""
        pending = self.runs.pending_cells() if self.runs is not None else 0
        self.status.show_auto_update(self._auto_update(), pending)
        if self.table is None:
            return
        try:
            specs = enrich_service.list_columns(self.ws, self.table)
        except ClayError:
            return
        self.grid.set_type_notes(
            {s.name: "auto on" if s.auto_update else "auto off" for s in specs}
        )

    def _schedule_notes(self) -> None:
        # Reading every cell's state costs ~0.5 s at a million rows: while a big run writes
        # results, reload at most ~5 % of the time so the run and the keys keep the loop.
        if self._notes_timer is None:
            delay = max(0.2, 20 * self._notes_cost)
            self._notes_timer = self.set_timer(delay, self._reload_notes)

    def _reload_notes(self) -> None:
        """Why each enrichment cell without a value is empty ("no data", "running…"...)."""
        started = time.perf_counter()
        try:
            self._load_notes()
        finally:
            self._notes_cost = time.perf_counter() - started

    def _load_notes(self) -> None:
        self._notes_timer = None
        if self.table is None:
            return
        notes: dict[str, dict[int, str]] = {}
        try:
            specs = enrich_service.list_columns(self.ws, self.table)
            for spec in specs:
                if spec.name not in self.table.columns:
                    continue
                states = enrich_service.cell_statuses(self.ws, self.table, spec.name)
                column = state_notes(states)
                if self.runs is not None:
                    for rid in self.runs.running_ids(spec.name):
                        column[rid] = RUNNING
                notes[spec.name] = column
        except ClayError as exc:
            self._fail(exc)
            return
        self.grid.set_notes(notes)

    def _current_spec(self, verb: str) -> ColumnSpec | None:
        """The enrichment column under the cursor (or the one that fills it)."""
        column = self.grid.current_column
        if self.table is None or column is None:
            return None
        spec = owning_spec(self.ws, self.table, column)
        if spec is None:
            self.notify(
                f"{column} is not an enrichment column, so there is nothing to {verb}; "
                "add one with +.",
                severity="warning",
                timeout=5,
            )
        return spec

    def action_run_info(self) -> None:
        column = self.grid.current_column
        if self.table is None or column is None:
            return
        from clay_tui.ui.screens.run_info_screen import RunInfoScreen  # start-up

        self.app.push_screen(RunInfoScreen(self.ws, self.table, column))

    def action_add_enrichment(self) -> None:
        if self.table is None:
            return
        from clay_tui.ui.screens.add_column_screen import AddColumnScreen  # start-up

        self.app.push_screen(
            AddColumnScreen(self.ws, self.table), self._guarded(self._columns_added)
        )

    def _columns_added(self, names: list[str] | None) -> None:
        if not names:
            return
        self._goto_after_refresh = names[0]
        if names[0] in self.grid.columns:
            self.grid.move_to_column(names[0])
        which = ", ".join(names)
        self.notify(
            f"Added {which}. r runs it (first a test on a few rows), i shows its Run Info.",
            timeout=6,
        )
        self._schedule_notes()

    def action_run_column(self) -> None:
        if self.table is None or self.view is None:  # a run may be refreshing the grid: fine
            return
        spec = self._current_spec("run")
        if spec is None:
            return
        assert self.table is not None and self.view is not None
        from clay_tui.ui.screens.run_dialog import RunDialog  # start-up

        self.app.push_screen(
            RunDialog(
                self.ws,
                self.table,
                spec.name,
                filter_text=self.view.filter_text,
                view_rows=self.grid.row_count,
                selected=tuple(sorted(self.grid.selected)),
                sort=self.view.sort,
            ),
            self._guarded(lambda choice: self._run_chosen(spec, choice)),
        )

    def _run_chosen(self, spec: ColumnSpec, choice: tuple[RowSelection, int | None] | None) -> None:
        if choice is None or self.runs is None:
            return
        rows, cap = choice
        request = RunRequest(spec.name, rows, cap, running_ids=self._running_ids(spec, rows))
        if self.runs.submit(request):
            self.status.show_run(f"{spec.name}: starting…")
        else:
            self.notify(f"{spec.name} will run when the current run ends.", timeout=4)
        self._reload_notes()

    def _running_ids(self, spec: ColumnSpec, rows: RowSelection) -> set[int]:
        """Rows the grid shows as "running…" until their result arrives."""
        table = self.table
        assert table is not None and self.view is not None
        if rows.mode == "ids":
            ids = list(rows.ids)
        elif rows.mode == "where" and rows.where:
            ids = self.view.where_row_ids(rows.where)
        elif rows.mode == "first":  # a test run: exactly the rows it will call for (planning
            if table.row_count > OVERLAY_MAX_ROWS:  # them takes ~0.6 s at a million rows)
                return set()
            return set(enrich_service.rows_to_run(self.ws, table, spec.name, rows))
        else:
            ids = table.frame.get_column("_row_id").to_list()
        if len(ids) > OVERLAY_MAX_ROWS:
            return set()
        states = enrich_service.cell_statuses(self.ws, table, spec.name)
        ids = enrich_service.rows_by_state(ids, states, rows.mode)  # as the run will select
        return set(ids if rows.force else enrich_service.rows_not_done(ids, states))

    def action_stop_runs(self) -> None:
        runs = self.runs
        if runs is None or not runs.busy:
            self.notify("Nothing is running.", timeout=2)
            return
        runs.stop()
        self.status.show_run("stopping…")
        self._show_auto_state()
        self.notify(
            "Stopping: no new call starts; calls in flight finish and are recorded.", timeout=4
        )

    def on_run_progress(self, message: RunProgress) -> None:
        p = message.progress
        queued = len(self.runs.queue) if self.runs is not None else 0
        now = time.monotonic()
        if self._run_clock is None or self._run_clock[0] != message.column:
            self._run_clock = (message.column, now)  # the rate counts from the first report
        text = f"{message.column} {enrich_service.progress_text(p, now - self._run_clock[1])}"
        self.grid.set_header_mark(message.column, f"{enrich_service.share(p.done, p.total)}%")
        if queued:
            text += f" · {queued} queued"
        stopping = (
            self.runs is not None and self.runs.cancel is not None and self.runs.cancel.is_set()
        )
        self.status.show_run(text + (" · stopping…" if stopping else " · ctrl+x stops"))

    def on_run_finished(self, message: RunFinished) -> None:
        runs = self.runs
        self._run_clock = None
        self.grid.set_header_mark(message.column, None)
        if message.error is not None:
            self.notify(f"{message.column}: {message.error}", severity="error", timeout=8)
        elif message.summary is not None:
            self._announce(message.summary, message.auto)
            self._fit_outputs(message.column)
        if runs is not None:
            runs.finished()
            self.status.show_run(f"{runs.active.column}: starting…" if runs.active else None)
        self._show_auto_state()
        self._reload_notes()

    def _announce(self, summary: RunSummary, auto: bool) -> None:
        counts = ", ".join(f"{n:,} {label(k)}" for k, n in in_order(summary.counts) if n)
        credits = f"{summary.credits:,} credits"
        if summary.refunded:
            credits += f" ({summary.refunded:,} refunded)"
        where = " · sandbox" if summary.sandbox else ""
        head = "Auto-update ran" if auto else "Ran"
        if summary.status == RunStatus.CANCELLED:
            head = "Stopped"
        rows = f"{summary.total:,} row{'s' if summary.total != 1 else ''}"
        text = f"{head} {summary.column} on {rows}: {counts or 'nothing to do'} · {credits}{where}."
        severity = "information"
        if auto and summary.message:  # e.g. the daily auto-update cap is spent: paused
            severity = "warning"
            text += f" {summary.message}"
        elif summary.stopped_by is not None and self.table is not None:
            severity = "warning"
            try:
                text += " " + enrich_service.stop_message(
                    self.ws,
                    self.table,
                    enrich_service.get_column(self.ws, self.table, summary.column),
                    summary.stopped_by,
                    summary.run_id,
                    raise_limit='Press e on the column to raise it, then run "Failed rows".',
                    raise_run='Run "Failed rows" to go on (you confirm a new maximum).',
                    buy='Buy credits (b) and run "Failed rows".',
                )
            except ClayError:  # the column went meanwhile
                text += " " + summary.message
        self.notify(text, severity=severity, timeout=4 if auto else 10)

    def _fit_outputs(self, column: str) -> None:
        """Output columns were measured while empty: widen them to what the run found."""
        if self.table is None:
            return
        try:
            spec = enrich_service.get_column(self.ws, self.table, column)
        except ClayError:
            return
        self._remeasure.extend(spec.outputs.values())
        if not self.grid.busy:  # else on_view_updated does it once the view is settled
            self._remeasure_now()

    def _remeasure_now(self) -> None:
        columns = [c for c in self._remeasure if c in self.grid.columns]
        self._remeasure = []
        if columns:
            self.grid.remeasure(columns)

    async def stop_runs_and_wait(self, timeout: float = 5.0) -> None:
        """Before quitting: stop any run and let it record what it did."""
        import asyncio

        runs = self.runs
        if runs is None or not runs.busy:
            return
        runs.stop()
        workers = [w for w in self.workers if w.group == "enrich"]
        if workers:
            await asyncio.wait([asyncio.ensure_future(w.wait()) for w in workers], timeout=timeout)
