"""The main screen: one table, its view, and the parts that act on them.

The screen holds the table, the view and the widgets, and composes its parts
(ui/components/, one concern each: view jobs, editing, menus, auto-update, save and
export, runs, notes). Each part owns its state and its workers; parts tell one another
what happened by messages (ui/messages.py) that bubble here, and the handlers below hand
each to the part that owns it: the routing is in one place. The keys (ui/keymap.py) are
the screen's actions, each handed to its part. A ``ClayError`` anywhere becomes a
one-sentence notification (or an inline prompt error for a bad answer).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen

from clay_tui.errors import ClayError
from clay_tui.services import live as live_service
from clay_tui.services import tables as table_service
from clay_tui.ui import startup
from clay_tui.ui.components.auto_update import AutoUpdate
from clay_tui.ui.components.editing import Editing
from clay_tui.ui.components.menus import Menus
from clay_tui.ui.components.notes import Notes
from clay_tui.ui.components.preview import STILL_LOADING, show_preview
from clay_tui.ui.components.prompts import PromptRequest
from clay_tui.ui.components.runs import Runs
from clay_tui.ui.components.save_export import SaveExport
from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.components.view_jobs import ViewJobs
from clay_tui.ui.guards import guarded
from clay_tui.ui.keymap import bindings_for
from clay_tui.ui.messages import (
    AutoStateChanged,
    ColumnsFilled,
    FocusColumn,
    LoadFailed,
    NotesStale,
    RunFinished,
    RunProgress,
    RunStarting,
    TableChanged,
    TableLoaded,
    TablePreview,
)
from clay_tui.ui.widgets.lead_grid import LeadGrid
from clay_tui.ui.widgets.prompt_bar import PromptBar
from clay_tui.ui.widgets.status_bar import StatusBar
from clay_tui.ui.widgets.table_header import TableHeader

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.table.view import TableView
    from clay_tui.ui.enrich_runs import EnrichRuns
    from clay_tui.workspace import Workspace


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
        self.load_error: str | None = None
        self.previewing = False  # the first rows of a big table are shown while it opens
        self._stops: list[Callable[[], None]] = []  # unsubscribe, stop following others
        # the parts
        self.view_jobs = ViewJobs(self)
        self.editing = Editing(self)
        self.menus = Menus(self)
        self.auto = AutoUpdate(self)
        self.save_export = SaveExport(self)
        self.enrichment = Runs(self)
        self.notes = Notes(self)

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield TableHeader(id="header")
        yield LeadGrid(id="grid")
        yield PromptBar(id="prompt")
        yield StatusBar(self.ws, id="status")
        yield from (self.view_jobs, self.editing, self.menus, self.auto)
        yield from (self.save_export, self.enrichment, self.notes)

    @property
    def grid(self) -> LeadGrid:
        return self.query_one(LeadGrid)

    @property
    def prompt(self) -> PromptBar:
        return self.query_one(PromptBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def runs(self) -> EnrichRuns | None:
        """The table's enrichment runs (a queue, one at a time), once it is shown."""
        return self.enrichment.runs

    @property
    def saved_version(self) -> int | None:
        return self.save_export.saved_version

    def on_mount(self) -> None:
        self.grid.focus()
        if self.table is not None:
            self._show_table(self.table)
        else:
            self.grid.busy = True
            self.grid.loading = True
            self._load(self.target)

    @work(thread=True, exclusive=True, group="load")
    @guarded
    def _load(self, target: str | None) -> None:
        try:
            # (results stored after the last snapshot, a kill mid-run, come back as the
            # table first loads: services.tables.get_table)
            preview = table_service.preview_table(self.ws, target)
            if preview is not None:  # a big file: its first rows at once, the rest below
                self.post_message(TablePreview(preview))
            table = table_service.open_table(self.ws, target)
        except ClayError as exc:
            self.post_message(LoadFailed(str(exc)))
        except OSError as exc:  # the core should have said it; never show a traceback for it
            self.post_message(LoadFailed(f"{target} cannot be read: {exc.strerror or exc}."))
        else:
            self.post_message(TableLoaded(table))

    @guarded
    def on_table_loaded(self, message: TableLoaded) -> None:
        self._show_table(message.table)

    def on_table_preview(self, message: TablePreview) -> None:
        """Show the first rows, read-only, until the whole table replaces them."""
        if self.table is None:
            self.previewing = True
            show_preview(self, message.table)

    def on_load_failed(self, message: LoadFailed) -> None:
        # Nothing to show: leave, and let the CLI print the one sentence (exit code 2).
        self.load_error = message.error
        self.app.exit(return_code=2)

    def _show_table(self, table: LeadTable) -> None:
        from clay_tui.table.view import TableView

        self.table = table
        self.view = TableView(table)
        self.save_export.saved_version = table.version
        self._stops.append(table.subscribe(lambda change: self.post_message(TableChanged(change))))
        self.grid.busy = False
        self.grid.loading = False
        self.grid.read_only_note = None
        if self.previewing:
            self.previewing = False
            self.status.show_busy(None)
        self.grid.attach(table, self.view)
        self.grid.focus()
        for notice in table.notices:  # e.g. "Read as cp1252: ..."
            self.notify(notice, severity="warning", timeout=8)
        self.query_one(TableHeader).set_name(table.name)
        self.refresh_status()
        # the rest needs the engine and the ledger: once the first rows are painted (start-up)
        self.call_after_refresh(self._after_first_paint, table)

    def _after_first_paint(self, table: LeadTable) -> None:
        if self.table is not table:
            return
        startup.load_deferred()
        self.enrichment.start(table)
        # live: other processes' edits and results arrive as the same changes
        self._stops.append(live_service.follow_others(self.ws, table))
        self.status.start_credits()
        self.notes.show_auto_state()
        self.notes.reload()
        # Everything built so far lives as long as the app: keep it out of the cyclic GC, whose
        # full passes over it otherwise cost a keypress ~70 ms now and then.
        gc.freeze()

    def on_unmount(self) -> None:
        for stop in self._stops:
            stop()
        if self.runs is not None:
            self.runs.stop()

    # ------------------------------------------------------------ what the parts share
    def ready(self) -> bool:
        """Table actions need a loaded table and no view job in flight."""
        if self.table is None or self.view is None:
            if self.previewing:
                self.notify(STILL_LOADING, timeout=3)
            return False
        if self.grid.busy or self.runs is None:  # (runs: set up just after the first paint)
            self.notify("Still working on the last change…", timeout=2)
            return False
        return True

    def refresh_status(self) -> None:
        if self.table is None or self.view is None:
            return
        self.status.show_table(self.table.name, self.grid.row_count, self.table.row_count)
        self.status.show_filter(self.view.filter_text)
        self.status.show_cell(
            self.grid.current_column, self.grid.cursor_row, self.grid.current_row_id()
        )

    def auto_update(self) -> bool:
        """The table's auto-update switch (off when it cannot be read)."""
        if self.table is None:
            return False
        try:
            return table_service.table_auto_update(self.ws, self.table)
        except ClayError:
            return False

    def current_spec(self, verb: str) -> ColumnSpec | None:
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

    def save_now(self) -> bool:
        """Save on the app's thread (on quit) if anything changed; True if it saved."""
        return self.save_export.save_now()

    async def stop_runs_and_wait(self, timeout: float = 5.0) -> None:
        """Before quitting: stop any run and let it record what it did."""
        await self.enrichment.stop_runs_and_wait(timeout)

    # ------------------------------------------------------------ routing: messages -> parts
    @guarded
    def on_table_changed(self, message: TableChanged) -> None:
        """Any change to the table (ours, an undo, an enrichment run, or another process's,
        caught up): the notes take the states it carries, the view is recomputed."""
        if self.view is None:
            return
        self.notes.table_changed(message.change)
        self.view_jobs.table_changed(message.change.kind)

    def on_run_progress(self, message: RunProgress) -> None:
        self.enrichment.progress(message)

    @guarded
    def on_run_finished(self, message: RunFinished) -> None:
        self.enrichment.finished(message)

    def on_run_starting(self, message: RunStarting) -> None:
        self.notes.show_running(message.column)

    @guarded
    def on_notes_stale(self, message: NotesStale) -> None:
        if message.columns is None:
            self.notes.schedule()
        else:
            self.notes.reload(message.columns)

    def on_auto_state_changed(self, message: AutoStateChanged) -> None:
        self.notes.show_auto_state()

    def on_focus_column(self, message: FocusColumn) -> None:
        self.view_jobs.go_to_when_shown(message.column)

    def on_columns_filled(self, message: ColumnsFilled) -> None:
        self.view_jobs.measure_again(message.columns)

    @guarded
    def on_prompt_bar_submitted(self, message: PromptBar.Submitted) -> None:
        request = message.request
        if isinstance(request, PromptRequest) and request.answer(self, message.value):
            self.prompt.close()

    def on_prompt_bar_closed(self) -> None:
        self.grid.focus()

    def on_lead_grid_cursor_moved(self, message: LeadGrid.CursorMoved) -> None:
        self.status.show_cell(message.column, message.row, self.grid.current_row_id())
        self.status.show_selected(len(self.grid.selected))

    def on_lead_grid_column_menu_requested(self, message: LeadGrid.ColumnMenuRequested) -> None:
        self.menus.column_menu(message.column, message.x, message.y + 1)

    def on_table_header_menu_pressed(self) -> None:
        self.menus.table_menu()

    # ------------------------------------------------------------ keys (ui/keymap.py) -> parts
    def action_sort_asc(self) -> None:
        self.view_jobs.sort(descending=False)

    def action_sort_desc(self) -> None:
        self.view_jobs.sort(descending=True)

    def action_clear_sort(self) -> None:
        self.view_jobs.clear_sort()

    def action_filter(self) -> None:
        self.view_jobs.ask_filter()

    def action_clear_filter(self) -> None:
        self.view_jobs.clear_filter()

    def action_search(self) -> None:
        self.view_jobs.ask_search()

    def action_search_next(self) -> None:
        self.view_jobs.search_next()

    def action_goto_column(self) -> None:
        self.view_jobs.ask_goto()

    def action_open_cell(self) -> None:
        self.editing.open_cell()

    def action_edit_cell(self) -> None:
        self.editing.edit_cell()

    def action_add_row(self) -> None:
        self.editing.add_row()

    def action_delete_rows(self) -> None:
        self.editing.delete_rows()

    def action_undo(self) -> None:
        self.editing.undo()

    def action_hide_column(self) -> None:
        self.editing.hide_column()

    def action_show_all_columns(self) -> None:
        self.editing.show_all_columns()

    def action_choose_columns(self) -> None:
        self.editing.choose_columns()

    def action_rename_column(self) -> None:
        self.editing.rename_column()

    def action_delete_column(self) -> None:
        self.editing.delete_column()

    def action_edit_column(self) -> None:
        self.editing.edit_column()

    def action_column_menu(self) -> None:
        self.menus.column_menu_here()

    def action_table_menu(self) -> None:
        self.menus.table_menu()

    def action_add_enrichment(self) -> None:
        self.enrichment.add_enrichment()

    def action_run_column(self) -> None:
        self.enrichment.run_column()

    def action_run_info(self) -> None:
        self.enrichment.run_info()

    def action_stop_runs(self) -> None:
        self.enrichment.stop()

    def action_export_csv(self) -> None:
        self.save_export.ask_export()

    def action_save(self) -> None:
        self.save_export.save()
