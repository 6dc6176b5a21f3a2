"""View jobs: sort, filter, search, go-to, and the refresh after any table change.

A job changes the view in a thread worker (the grid pauses reading meanwhile) and posts
``ViewUpdated`` / ``ViewFailed`` back to this part; changes arriving while a job runs are
coalesced into one refresh after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual import work

from clay_tui.errors import ClayError
from clay_tui.table.inert import inert
from clay_tui.ui.components.base import Component
from clay_tui.ui.components.prompts import Filter, GoTo, Search
from clay_tui.ui.guards import guarded
from clay_tui.ui.messages import JobDone, SearchResult, ViewFailed, ViewUpdated

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen

_BUSY = {"sort": "sorting…", "filter": "filtering…"}


class ViewJobs(Component):
    """The view's sort, filter and search, done in workers."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="view-jobs")
        self.refresh_pending = False  # a change came while a job ran: refresh once it ends
        self.last_search: str | None = None
        self.focus_after: str | None = None  # a column to go to once the view shows it
        self.remeasure: list[str] = []  # columns to measure again once the view settles

    def run_job(self, kind: str, job: Callable[[], str]) -> None:
        """Run ``job`` (which changes the view) in a worker; the grid pauses reading."""
        self.host.grid.busy = True
        self.host.status.show_busy(_BUSY.get(kind, "updating…"))
        self._view_worker(kind, job)

    @work(thread=True, group="view")
    @guarded
    def _view_worker(self, kind: str, job: Callable[[], str]) -> None:
        try:
            detail = job()
        except ClayError as exc:
            self.post_message(ViewFailed(kind, str(exc)))
        else:
            self.post_message(ViewUpdated(kind, detail))

    @guarded
    def on_view_updated(self, message: ViewUpdated) -> None:
        host, grid = self.host, self.host.grid
        grid.busy = False
        host.status.show_busy(None)
        if self.refresh_pending:  # changes arrived while we were busy: catch up first
            self.refresh_pending = False
            self.refresh_view(message.kind)
            return
        if message.kind in ("sort", "filter"):
            grid.cursor_row = 0
            grid.scroll_to(y=0, animate=False, immediate=True)
        grid.reload(widths=False)
        if self.remeasure:
            self.remeasure_now()
        if message.kind == "filter":
            host.prompt.close()
            grid.focus()
        view = host.view
        if message.kind == "add_rows" and view is not None and view.sort is None:
            grid.move_cursor(row=grid.row_count - 1, column=0)
        elif self.focus_after and self.focus_after in grid.columns:
            grid.move_to_column(self.focus_after)
            self.focus_after = None
        else:
            grid.move_cursor()
        if message.detail:
            self.notify(message.detail, timeout=3)
        host.refresh_status()

    @guarded
    def on_view_failed(self, message: ViewFailed) -> None:
        host = self.host
        host.grid.busy = False
        host.status.show_busy(None)
        host.grid.reload()
        if message.kind == "filter" and host.prompt.is_open:
            host.prompt.show_error(message.error)
        else:
            self.notify(message.error, severity="error", timeout=6)
        host.refresh_status()
        if self.refresh_pending:
            self.refresh_pending = False
            self.refresh_view("refresh")

    def table_changed(self, kind: str) -> None:
        """Any change to the table (ours, an undo, or an enrichment run): recompute the view,
        after the job in flight if there is one (bursts coalesce: a run writes in batches)."""
        if self.host.grid.busy:
            self.refresh_pending = True
            return
        self.refresh_view(kind)

    def refresh_view(self, kind: str) -> None:
        view = self.host.view
        assert view is not None

        def job() -> str:
            view.refresh()
            return ""

        self.run_job(kind, job)

    def go_to_when_shown(self, column: str) -> None:
        """Put the cursor on ``column`` now if the grid shows it, and after the next refresh."""
        self.focus_after = column
        if column in self.host.grid.columns:
            self.host.grid.move_to_column(column)

    def measure_again(self, columns: Iterable[str]) -> None:
        self.remeasure.extend(columns)
        if not self.host.grid.busy:  # else on_view_updated does it once the view is settled
            self.remeasure_now()

    def remeasure_now(self) -> None:
        grid = self.host.grid
        columns = [c for c in self.remeasure if c in grid.columns]
        self.remeasure = []
        if columns:
            grid.remeasure(columns)

    # ------------------------------------------------------------ sort
    def sort(self, descending: bool) -> None:
        column = self.host.grid.current_column
        if not self.host.ready() or column is None:
            return
        view = self.host.view
        assert view is not None

        def job() -> str:
            view.set_sort(column, descending)
            return ""

        self.run_job("sort", job)

    def clear_sort(self) -> None:
        if not self.host.ready():
            return
        view = self.host.view
        assert view is not None

        def job() -> str:
            view.set_sort(None)
            return ""

        self.run_job("sort", job)

    # ------------------------------------------------------------ filter
    def ask_filter(self) -> None:
        view = self.host.view
        if view is None:
            return
        self.host.prompt.ask(
            Filter(),
            "Filter:",
            view.filter_text or "",
            placeholder="country = 'US' AND employees > 100   (empty = no filter)",
        )

    def clear_filter(self) -> None:
        if self.host.ready():
            self.apply_filter(None)

    def apply_filter(self, text: str | None) -> None:
        view = self.host.view
        assert view is not None

        def job() -> str:
            view.set_filter(text)
            return ""

        self.run_job("filter", job)

    # ------------------------------------------------------------ search
    def ask_search(self) -> None:
        if self.host.view is not None:
            self.host.prompt.ask(Search(), "Search:", self.last_search or "", select=True)

    def search_next(self) -> None:
        if not self.last_search:
            self.ask_search()
            return
        if self.host.ready():
            self.search(self.last_search, self.host.grid.cursor_row + 1)

    def search(self, text: str, start: int) -> None:
        self.last_search = text
        self._search(text, start)

    @work(thread=True, exclusive=True, group="search")
    @guarded
    def _search(self, text: str, start: int) -> None:
        view = self.host.view
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
        grid = self.host.grid
        column_index = grid.columns.index(column) if column in grid.columns else None
        grid.move_cursor(row=index, column=column_index)

    # ------------------------------------------------------------ go to a column
    def ask_goto(self) -> None:
        if self.host.view is not None:
            self.host.prompt.ask(GoTo(), "Go to column:", suggestions=list(self.host.grid.columns))

    def goto(self, name: str) -> bool:
        grid = self.host.grid
        name = name.strip()
        if grid.move_to_column(name):
            return True
        for col in grid.columns:
            if col.lower() == name.lower() or inert(col).lower() == name.lower():
                return grid.move_to_column(col)
        matches = [c for c in grid.columns if c.lower().startswith(name.lower())] if name else []
        return grid.move_to_column(matches[0]) if matches else False
