"""Save and export, in thread workers that only post messages (``Saved``, ``JobDone``) back
to this part, which owns the version last saved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from clay_tui.errors import ClayError
from clay_tui.services import tables as table_service
from clay_tui.ui.components.base import Component
from clay_tui.ui.components.prompts import ExportTo
from clay_tui.ui.guards import guarded
from clay_tui.ui.messages import JobDone, Saved

if TYPE_CHECKING:
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.ui.screens.table_screen import TableScreen


def save_if_changed(table: LeadTable, saved_version: int | None) -> int | None:
    """Fold the journal into the snapshot if anything changed since ``saved_version``;
    the version saved, or None when there was nothing to save. Touches no widget or
    screen state, so a worker thread may call it."""
    # `dirty` also covers a journal left by a crash before we opened
    if table.version == saved_version and not table.dirty:
        return None
    version = table.version
    table.save()
    return version


class SaveExport(Component):
    """Save (ctrl+s, and on quit) and export."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="save-export")
        self.saved_version: int | None = None  # the table's version in its snapshot

    def save(self) -> None:
        if self.table is not None:
            self._save_worker(self.table, self.saved_version)

    @work(thread=True, exclusive=True, group="save")
    @guarded
    def _save_worker(self, table: LeadTable, saved_version: int | None) -> None:
        try:
            version = save_if_changed(table, saved_version)
        except ClayError as exc:
            self.post_message(JobDone(str(exc), error=True))
            return
        if version is not None:
            self.post_message(Saved(version))
        self.post_message(JobDone("Saved."))

    def on_saved(self, message: Saved) -> None:
        self.saved_version = message.version

    def save_now(self) -> bool:
        """Save on the app's thread (on quit) if anything changed; True if it saved."""
        if self.table is None:
            return False
        version = save_if_changed(self.table, self.saved_version)
        if version is None:
            return False
        self.saved_version = version
        return True

    def ask_export(self) -> None:
        if self.table is None:
            return
        default = str(Path.cwd() / f"{self.table.name}.csv")
        self.host.prompt.ask(ExportTo(), "Export CSV to:", default)

    def export(self, path: str) -> None:
        table = self.table
        assert table is not None
        self._export(table, path)

    @work(thread=True, exclusive=True, group="export")
    @guarded
    def _export(self, table: LeadTable, path: str) -> None:
        try:
            if not path:
                raise ClayError("Give a file name to export to.")
            quoted = table_service.export_table(self.ws, table, Path(path).expanduser())
        except ClayError as exc:
            self.post_message(JobDone(str(exc), error=True))
        else:
            note = (
                f" {quoted:,} cell(s) that would run as formulas got a leading '." if quoted else ""
            )
            self.post_message(JobDone(f"Exported {table.name} to {path}.{note}"))
