"""Prompt routing: each question the prompt bar asks is a typed request that answers itself.

``PromptBar.ask(request, ...)`` carries the request; on Enter the screen hands the answer
to ``request.answer(screen, value)``, which returns True when the prompt may close (False
keeps it open, e.g. with an inline error). A new question is one more small class here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.ui.guards import guarded
from clay_tui.ui.widgets.prompt_bar import PromptBar

if TYPE_CHECKING:
    from collections.abc import Callable

    from clay_tui.ui.screens.table_screen import TableScreen


class PromptRequest:
    """One question of the prompt bar."""

    def answer(self, screen: TableScreen, value: str) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Filter(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if screen.grid.busy:
            return False
        screen.prompt.show_error(None)
        screen._apply_filter(value.strip() or None)
        return False  # the prompt closes when the filter succeeds (on_view_updated)


@dataclass(frozen=True)
class Search(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if value:
            screen.last_search = value
            screen._search(value, screen.grid.cursor_row)
        return True


@dataclass(frozen=True)
class GoTo(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        if not screen._goto(value):
            screen.prompt.show_error(f"No visible column named “{value}”.")
            return False
        return True


@dataclass(frozen=True)
class EditCell(PromptRequest):
    row_id: int
    column: str

    def answer(self, screen: TableScreen, value: str) -> bool:
        return screen._try(lambda: screen._set_cell(self.row_id, self.column, value))


@dataclass(frozen=True)
class RenameColumn(PromptRequest):
    old: str

    def answer(self, screen: TableScreen, value: str) -> bool:
        return screen._try(lambda: screen._rename(self.old, value.strip()))


@dataclass(frozen=True)
class ExportTo(PromptRequest):
    def answer(self, screen: TableScreen, value: str) -> bool:
        screen._export(value.strip())
        return True


class PromptRouting:
    """Part of ``TableScreen``: hands the prompt bar's answers to their requests."""

    @guarded
    def on_prompt_bar_submitted(self: TableScreen, message: PromptBar.Submitted) -> None:
        request = message.request
        if isinstance(request, PromptRequest) and request.answer(self, message.value):
            self.prompt.close()

    def on_prompt_bar_closed(self: TableScreen) -> None:
        self.grid.focus()

    def _try(self: TableScreen, fn: Callable[[], None]) -> bool:
        """Run a table change; a ClayError shows inline in the prompt and keeps it open."""
        try:
            fn()
        except ClayError as exc:
            self.prompt.show_error(str(exc))
            return False
        return True
