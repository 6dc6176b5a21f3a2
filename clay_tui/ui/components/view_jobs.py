"""View jobs: sort, filter, search, go-to, and the refresh after any table change.

A job changes the view in a thread worker (the grid pauses reading meanwhile) and posts
``ViewUpdated`` / ``ViewFailed``; changes arriving while a job runs are coalesced into
one refresh after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from clay_tui.errors import ClayError
from clay_tui.table.inert import inert
from clay_tui.ui.components.prompts import Filter, GoTo, Search
from clay_tui.ui.guards import guarded
from clay_tui.ui.messages import JobDone, SearchResult, TableChanged, ViewFailed, ViewUpdated

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen

_BUSY = {"sort": "sorting…", "filter": "filtering…"}


class ViewJobs:
    """Part of ``TableScreen``: the view's sort, filter and search, done in workers."""

    def _run_view_job(self: TableScreen, kind: str, job: Callable[[], str]) -> None:
        """Run ``job`` (which changes the view) in a worker; the grid pauses reading."""
        self.grid.busy = True
        self.status.show_busy(_BUSY.get(kind, "updating…"))
        self._view_worker(kind, job)

    @work(thread=True, group="view")
    @guarded
    def _view_worker(self: TableScreen, kind: str, job: Callable[[], str]) -> None:
        try:
            detail = job()
        except ClayError as exc:
            self.post_message(ViewFailed(kind, str(exc)))
        else:
            self.post_message(ViewUpdated(kind, detail))

    @guarded
    def on_view_updated(self: TableScreen, message: ViewUpdated) -> None:
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

    @guarded
    def on_view_failed(self: TableScreen, message: ViewFailed) -> None:
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

    @guarded
    def on_table_changed(self: TableScreen, message: TableChanged) -> None:
        """Any change to the table (ours, an undo, or an enrichment run): recompute the view."""
        if self.view is None:
            return
        self._enrichment_change(message.change)
        if self.grid.busy:  # coalesce bursts (an enrichment run writes results in batches)
            self._refresh_pending = True
            return
        self._refresh_view(message.change.kind)

    def _refresh_view(self: TableScreen, kind: str) -> None:
        view = self.view
        assert view is not None

        def job() -> str:
            view.refresh()
            return ""

        self._run_view_job(kind, job)

    # ------------------------------------------------------------ sort
    def action_sort_asc(self: TableScreen) -> None:
        self._sort(False)

    def action_sort_desc(self: TableScreen) -> None:
        self._sort(True)

    def _sort(self: TableScreen, descending: bool) -> None:
        column = self.grid.current_column
        if not self._ready() or column is None:
            return
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_sort(column, descending)
            return ""

        self._run_view_job("sort", job)

    def action_clear_sort(self: TableScreen) -> None:
        if not self._ready():
            return
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_sort(None)
            return ""

        self._run_view_job("sort", job)

    # ------------------------------------------------------------ filter
    def action_filter(self: TableScreen) -> None:
        if self.view is None:
            return
        self.prompt.ask(
            Filter(),
            "Filter:",
            self.view.filter_text or "",
            placeholder="country = 'US' AND employees > 100   (empty = no filter)",
        )

    def action_clear_filter(self: TableScreen) -> None:
        if not self._ready():
            return
        self._apply_filter(None)

    def _apply_filter(self: TableScreen, text: str | None) -> None:
        view = self.view
        assert view is not None

        def job() -> str:
            view.set_filter(text)
            return ""

        self._run_view_job("filter", job)

    # ------------------------------------------------------------ search
    def action_search(self: TableScreen) -> None:
        if self.view is None:
            return
        self.prompt.ask(Search(), "Search:", self.last_search or "", select=True)

    def action_search_next(self: TableScreen) -> None:
        if not self.last_search:
            self.action_search()
            return
        if self._ready():
            self._search(self.last_search, self.grid.cursor_row + 1)

    @work(thread=True, exclusive=True, group="search")
    @guarded
    def _search(self: TableScreen, text: str, start: int) -> None:
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

    def on_search_result(self: TableScreen, message: SearchResult) -> None:
        if message.found is None:
            self.notify(f"No match for “{message.text}”.", severity="warning", timeout=3)
            return
        index, column = message.found
        if message.wrapped:
            self.notify("Search wrapped to the top.", timeout=2)
        grid = self.grid
        column_index = grid.columns.index(column) if column in grid.columns else None
        grid.move_cursor(row=index, column=column_index)

    # ------------------------------------------------------------ go to a column
    def action_goto_column(self: TableScreen) -> None:
        if self.view is None:
            return
        self.prompt.ask(GoTo(), "Go to column:", suggestions=list(self.grid.columns))

    def _goto(self: TableScreen, name: str) -> bool:
        grid = self.grid
        name = name.strip()
        if grid.move_to_column(name):
            return True
        for col in grid.columns:
            if col.lower() == name.lower() or inert(col).lower() == name.lower():
                return grid.move_to_column(col)
        matches = [c for c in grid.columns if c.lower().startswith(name.lower())] if name else []
        return grid.move_to_column(matches[0]) if matches else False
