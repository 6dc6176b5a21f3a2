"""Enrichment runs on the table screen: the run dialog, progress in the status bar and the
column header, the "running…" rows, and the one sentence when a run ends.

The runs themselves live in ``ui/enrich_runs.EnrichRuns`` (a queue, one run at a time),
owned by this part. Its worker posts ``RunProgress`` / ``RunFinished`` to the table screen,
in one queue with the table's changes (a run's last results are applied before the run is
said to have ended), and the screen hands them to ``progress`` / ``finished`` here.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.components.base import Component
from clay_tui.ui.enrich_runs import EnrichRuns, RunRequest
from clay_tui.ui.messages import (
    AutoStateChanged,
    ColumnsFilled,
    FocusColumn,
    NotesStale,
    RunFinished,
    RunProgress,
    RunStarting,
)

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec, RowSelection, RunSummary
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.ui.screens.table_screen import TableScreen

OVERLAY_MAX_ROWS = 200_000  # above this, "running…" is left to the status bar


class Runs(Component):
    """Starting, following and stopping enrichment runs."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="runs")
        self.runs: EnrichRuns | None = None  # once the table is shown
        self._clock: tuple[str, float] | None = None  # (column, when its run first reported)

    def start(self, table: LeadTable) -> None:
        """The table is shown: runs may start (its worker posts to the screen)."""
        self.runs = EnrichRuns(self.host, self.ws, table)

    def run_info(self) -> None:
        column = self.host.grid.current_column
        if self.table is None or column is None:
            return
        from clay_tui.ui.screens.run_info_screen import RunInfoScreen  # start-up

        self.app.push_screen(RunInfoScreen(self.ws, self.table, column))

    def add_enrichment(self) -> None:
        if self.table is None:
            return
        from clay_tui.ui.screens.add_column_screen import AddColumnScreen  # start-up

        self.app.push_screen(AddColumnScreen(self.ws, self.table), self.guard(self._columns_added))

    def _columns_added(self, names: list[str] | None) -> None:
        if not names:
            return
        self.post_message(FocusColumn(names[0]))
        which = ", ".join(names)
        self.notify(
            f"Added {which}. r runs it (first a test on a few rows), i shows its Run Info.",
            timeout=6,
        )
        self.post_message(NotesStale())

    def run_column(self) -> None:
        if self.table is None or self.host.view is None:  # a run may be refreshing the grid: fine
            return
        spec = self.host.current_spec("run")
        if spec is None:
            return
        assert self.table is not None and self.host.view is not None
        from clay_tui.ui.screens.run_dialog import RunDialog  # start-up

        self.app.push_screen(
            RunDialog(
                self.ws,
                self.table,
                spec.name,
                filter_text=self.host.view.filter_text,
                view_rows=self.host.grid.row_count,
                selected=tuple(sorted(self.host.grid.selected)),
                sort=self.host.view.sort,
            ),
            self.guard(lambda choice: self.run_chosen(spec, choice)),
        )

    def run_chosen(self, spec: ColumnSpec, choice: tuple[RowSelection, int | None] | None) -> None:
        if choice is None or self.runs is None:
            return
        rows, cap = choice
        request = RunRequest(spec.name, rows, cap, running_ids=self.rows_to_mark(spec, rows))
        if self.runs.submit(request):
            self.host.status.show_run(f"{spec.name}: starting…")
        else:
            self.notify(f"{spec.name} will run when the current run ends.", timeout=4)
        self.post_message(RunStarting(spec.name))

    def rows_to_mark(self, spec: ColumnSpec, rows: RowSelection) -> set[int]:
        """Rows the grid shows as "running…" until their result arrives: the rows the run
        will select (enrich/rows.py's by_state and not_done, the run's own state sets)."""
        table = self.table
        assert table is not None and self.host.view is not None
        if rows.mode == "ids":
            ids = list(rows.ids)
        elif rows.mode == "where" and rows.where:
            ids = self.host.view.where_row_ids(rows.where)
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

    def stop(self) -> None:
        runs = self.runs
        if runs is None or not runs.busy:
            self.notify("Nothing is running.", timeout=2)
            return
        runs.stop()
        self.host.status.show_run("stopping…")
        self.post_message(AutoStateChanged())
        self.notify(
            "Stopping: no new call starts; calls in flight finish and are recorded.", timeout=4
        )

    def progress(self, message: RunProgress) -> None:
        p = message.progress
        queued = len(self.runs.queue) if self.runs is not None else 0
        now = time.monotonic()
        if self._clock is None or self._clock[0] != message.column:
            self._clock = (message.column, now)  # the rate counts from the first report
            self.post_message(RunStarting(message.column))  # (auto-update starts unasked)
        text = f"{message.column} {enrich_service.progress_text(p, now - self._clock[1])}"
        self.host.grid.set_header_mark(message.column, f"{enrich_service.share(p.done, p.total)}%")
        if queued:
            text += f" · {queued} queued"
        stopping = (
            self.runs is not None and self.runs.cancel is not None and self.runs.cancel.is_set()
        )
        self.host.status.show_run(text + (" · stopping…" if stopping else " · ctrl+x stops"))

    def finished(self, message: RunFinished) -> None:
        runs = self.runs
        self._clock = None
        self.host.grid.set_header_mark(message.column, None)
        if message.error is not None:
            self.notify(f"{message.column}: {message.error}", severity="error", timeout=8)
        elif message.summary is not None:
            self._announce(message.summary, message.auto)
            self._fit_outputs(message.column)
        # rows still marked "running…" got no result (a stop, an error): read their state
        unanswered = runs is not None and bool(runs.running_ids(message.column))
        if runs is not None:
            runs.finished()
            self.host.status.show_run(f"{runs.active.column}: starting…" if runs.active else None)
        self.post_message(AutoStateChanged())
        if unanswered:
            self.post_message(NotesStale(frozenset({message.column})))

    def _announce(self, summary: RunSummary, auto: bool) -> None:
        text = summary.describe(auto=auto)
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
        self.post_message(ColumnsFilled(tuple(spec.outputs.values())))

    async def stop_runs_and_wait(self, timeout: float = 5.0) -> None:
        """Before quitting: stop any run and let it record what it did."""
        runs = self.runs
        if runs is None or not runs.busy:
            return
        runs.stop()
        workers = [w for w in self.app.workers if w.group == "enrich"]
        if workers:
            await asyncio.wait([asyncio.ensure_future(w.wait()) for w in workers], timeout=timeout)
