"""The main screen: one table, its view, and every table action.

The screen holds the table, the view and the widgets; its parts (ui/components/, one
module each) hold the actions and handlers of one concern each. Heavy work (loading,
sort, filter, search, refresh after a change, save, export, runs) runs in workers that
only post messages; the handlers change the widgets. A ``ClayError`` anywhere becomes a
one-sentence notification (or an inline prompt error for a bad answer).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen

from clay_tui.errors import ClayError
from clay_tui.services import tables as table_service
from clay_tui.services.live import follow_table
from clay_tui.ui.components.auto_update import AutoUpdate
from clay_tui.ui.components.editing import Editing
from clay_tui.ui.components.guards import notify_errors
from clay_tui.ui.components.menus import Menus
from clay_tui.ui.components.notes import Notes
from clay_tui.ui.components.prompts import PromptRouting
from clay_tui.ui.components.runs import Runs
from clay_tui.ui.components.save_export import SaveExport
from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.components.view_jobs import ViewJobs
from clay_tui.ui.enrich_runs import EnrichRuns
from clay_tui.ui.keymap import bindings_for
from clay_tui.ui.messages import LoadFailed, TableChanged, TableLoaded
from clay_tui.ui.widgets.lead_grid import LeadGrid
from clay_tui.ui.widgets.prompt_bar import PromptBar
from clay_tui.ui.widgets.status_bar import StatusBar
from clay_tui.ui.widgets.table_header import TableHeader

if TYPE_CHECKING:
    from textual.timer import Timer

    from clay_tui.services.enrich import ColumnSpec
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.table.view import TableView
    from clay_tui.workspace import Workspace


class TableScreen(
    ViewJobs, PromptRouting, Editing, Menus, AutoUpdate, SaveExport, Runs, Notes, Screen[None]
):
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
        self._run_clock: tuple[str, float] | None = None  # (column, when its run first reported)

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

    @notify_errors
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
        # live: other processes' edits and results arrive as the same changes
        self._unsubscribe = follow_table(
            self.ws, table, lambda change: self.post_message(TableChanged(change))
        )
        self.grid.busy = False
        self.grid.loading = False
        self.grid.attach(table, self.view)
        self.grid.focus()
        for notice in table.notices:  # e.g. "Read as cp1252: ..."
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

    def on_lead_grid_cursor_moved(self, message: LeadGrid.CursorMoved) -> None:
        self.status.show_cell(message.column, message.row, self.grid.current_row_id())
        self.status.show_selected(len(self.grid.selected))
