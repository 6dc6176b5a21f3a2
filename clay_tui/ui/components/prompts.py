"""Prompt routing: each question the prompt bar asks is a typed request that answers itself.

``PromptBar.ask(request, ...)`` carries the request; on Enter the table screen hands the
answer to ``request.answer(screen, value)``, which gives it to the part that asked and returns
True when the prompt may close (False keeps it open, e.g. with an inline error). A new
question is one more small class here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clay_tui.errors import ClayError

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen


class PromptRequest:
    """One question of the prompt bar."""

    def answer(self, screen: TableScreen, value: str) -> bool:
        raise NotImplementedError


def inline(screen: TableScreen, change: Callable[[], None]) -> bool:
    """Run a table change; a ClayError shows inline in the prompt and keeps it open."""
    try:
        change()
    except ClayError as exc:
        screen.prompt.show_error(str(exc))
        return False
    return True


@dataclass(frozen=True)
class Filter(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if screen.grid.busy:
            return False
        screen.prompt.show_error(None)
        screen.view_jobs.apply_filter(value.strip() or None)
        return False  # the prompt closes when the filter succeeds (ViewJobs.on_view_updated)


@dataclass(frozen=True)
class Search(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if value:
            screen.view_jobs.search(value, screen.grid.cursor_row)
        return True


@dataclass(frozen=True)
class GoTo(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if not screen.view_jobs.goto(value):
            screen.prompt.show_error(f"No visible column named “{value}”.")
            return False
        return True


@dataclass(frozen=True)
class EditCell(PromptRequest):
    row_id: int
    column: str

    def answer(self, screen: TableScreen, value: str) -> bool:
        return inline(screen, lambda: screen.editing.set_cell(self.row_id, self.column, value))


@dataclass(frozen=True)
class RenameColumn(PromptRequest):
    old: str

    def answer(self, screen: TableScreen, value: str) -> bool:
        return inline(screen, lambda: screen.editing.rename(self.old, value.strip()))


@dataclass(frozen=True)
class ExportTo(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        screen.save_export.export(value.strip())
        return True
