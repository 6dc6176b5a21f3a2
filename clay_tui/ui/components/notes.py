"""The notes overlay: why an enrichment cell without a value is empty ("no data",
"running…"), dimmed in the grid, and each column's auto-update switch in its header."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.states import state_notes

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen

# An enrichment cell without a value says why, dimmed: its state's label, or this.
RUNNING = "running…"


class Notes:
    """Part of ``TableScreen``: the grid's notes on enrichment cells."""

    _notes_cost = 0.0  # seconds the last notes reload took

    def _enrichment_change(self: TableScreen, change: Any) -> None:
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

    def _show_auto_state(self: TableScreen) -> None:
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

    def _schedule_notes(self: TableScreen) -> None:
        # Reading every cell's state costs ~0.5 s at a million rows: while a big run writes
        # results, reload at most ~5 % of the time so the run and the keys keep the loop.
        if self._notes_timer is None:
            delay = max(0.2, 20 * self._notes_cost)
            self._notes_timer = self.set_timer(delay, self._reload_notes)

    def _reload_notes(self: TableScreen) -> None:
        """Why each enrichment cell without a value is empty ("no data", "running…"...)."""
        started = time.perf_counter()
        try:
            self._load_notes()
        finally:
            self._notes_cost = time.perf_counter() - started

    def _load_notes(self: TableScreen) -> None:
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
