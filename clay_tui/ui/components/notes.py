"""The notes overlay: why an enrichment cell without a value is empty ("no data",
"running…"), dimmed in the grid, and each column's auto-update switch in its header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.states import state_notes
from clay_tui.ui.components.base import Component

if TYPE_CHECKING:
    from textual.timer import Timer

    from clay_tui.table.changes import TableChange
    from clay_tui.ui.screens.table_screen import TableScreen

# An enrichment cell without a value says why, dimmed: its state's label, or this.
RUNNING = "running…"
RELOAD_DELAY_S = 0.2  # a burst of changes (a recipe adding columns): one read after it


class Notes(Component):
    """The grid's notes on enrichment cells.

    A run's results arrive with their states ({row_id: state} on the "results" change) and
    are applied as they are; the cells are read again only when what is there changed shape
    (a column added, renamed, removed), came from elsewhere (another process's results put
    back), or a stopped run left rows marked "running…"."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="notes")
        self._timer: Timer | None = None

    def table_changed(self, change: TableChange) -> None:
        """Auto-update gathers what to run; results clear "running…" and show their state."""
        runs = self.host.runs
        if runs is None:
            return
        if change.kind == "results":
            for column in change.columns:
                runs.mark_done(column, change.row_ids)
            if change.states is not None:
                self.apply_states(change.columns, change.states)
            else:
                self.schedule()
        elif change.kind in ("add_column", "delete_column", "rename_column", "reload"):
            self.schedule()
        if change.kind in ("set", "add_rows", "results"):
            before = runs.pending_cells()
            runs.on_table_change(change)
            if runs.pending_cells() != before:
                self.show_auto_state()

    def apply_states(self, columns: tuple[str, ...], states: Mapping[int, str]) -> None:
        grid = self.host.grid
        said = state_notes(states)  # a found cell shows its value: no note
        cleared = [rid for rid in states if rid not in said]
        for column in columns:
            if column in grid.notes:  # an enrichment column (not one of its outputs)
                grid.update_notes(column, said, cleared)

    def show_running(self, column: str) -> None:
        """Mark the rows a run of ``column`` is about to answer "running…"."""
        runs, grid = self.host.runs, self.host.grid
        if runs is None or column not in grid.notes:
            return
        running = runs.running_ids(column)
        if running:
            grid.update_notes(column, dict.fromkeys(running, RUNNING), ())

    def show_auto_state(self) -> None:
        """The table's switch in the status bar; each enrichment column's own switch in the
        header's type line ("text · auto on")."""
        host = self.host
        pending = host.runs.pending_cells() if host.runs is not None else 0
        host.status.show_auto_update(host.auto_update(), pending)
        if self.table is None:
            return
        try:
            specs = enrich_service.list_columns(self.ws, self.table)
        except ClayError:
            return
        host.grid.set_type_notes(
            {s.name: "auto on" if s.auto_update else "auto off" for s in specs}
        )

    def schedule(self) -> None:
        """Read the notes again soon (once for a burst of changes)."""
        if self._timer is None:
            self._timer = self.set_timer(RELOAD_DELAY_S, self.reload)

    def reload(self, columns: frozenset[str] | None = None) -> None:
        """Why each enrichment cell without a value is empty ("no data", "running…"...),
        read from the stored cells: of every enrichment column, or of ``columns``."""
        if columns is None:
            self._timer = None
        table, grid, runs = self.table, self.host.grid, self.host.runs
        if table is None:
            return
        notes = dict(grid.notes) if columns is not None else {}
        try:
            for spec in enrich_service.list_columns(self.ws, table):
                if spec.name not in table.columns:
                    continue
                if columns is not None and spec.name not in columns:
                    continue
                states = enrich_service.cell_statuses(self.ws, table, spec.name)
                column = state_notes(states)
                if runs is not None:
                    for rid in runs.running_ids(spec.name):
                        column[rid] = RUNNING
                notes[spec.name] = column
        except ClayError as exc:
            self.fail(exc)
            return
        grid.set_notes(notes)
