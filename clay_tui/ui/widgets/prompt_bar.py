"""A one-line prompt under the grid for filter, search, go-to, edit and rename.

It stays open on a bad answer and shows the error inline, so a typo in a
filter expression can be fixed without retyping it.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static
from textual.widgets.input import Selection

from clay_tui.table.inert import inert
from clay_tui.ui.plain import plain, plain_lines
from clay_tui.ui.widgets.inert_input import InertInput


class PromptBar(Vertical):
    DEFAULT_CSS = """
    PromptBar { height: auto; display: none; background: $panel; }
    PromptBar.-open { display: block; }
    PromptBar > Horizontal { height: 1; }
    PromptBar #prompt-label { width: auto; padding: 0 1; text-style: bold; }
    PromptBar Input { width: 1fr; }
    PromptBar #prompt-error { color: $text-error; padding: 0 1; display: none; }
    PromptBar #prompt-error.-shown { display: block; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    class Submitted(Message):
        def __init__(self, mode: str, value: str, context: Any) -> None:
            self.mode = mode
            self.value = value
            self.context = context
            super().__init__()

    class Closed(Message):
        """The prompt was closed (answered or cancelled)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode: str | None = None
        self.context: Any = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("", id="prompt-label")
            yield InertInput(id="prompt-input", select_on_focus=False, compact=True)
        yield Static("", id="prompt-error")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def ask(
        self,
        mode: str,
        label: str,
        value: str = "",
        *,
        context: Any = None,
        suggestions: list[str] | None = None,
        placeholder: str = "",
        select: bool = False,
    ) -> None:
        """Open the prompt for one question; ``select`` selects ``value`` so that typing
        replaces it (a new search) while Enter keeps it."""
        self.mode = mode
        self.context = context
        self.query_one("#prompt-label", Static).update(plain(label))
        field = self.query_one("#prompt-input", Input)
        field.suggester = (  # suggestions are drawn as typed: make them inert first
            SuggestFromList([inert(s) for s in suggestions], case_sensitive=False)
            if suggestions
            else None
        )
        field.placeholder = placeholder
        field.value = value
        field.cursor_position = len(value)
        if select and value:
            field.selection = Selection(0, len(value))
        self.show_error(None)
        self.add_class("-open")
        field.focus()

    def show_error(self, text: str | None) -> None:
        error = self.query_one("#prompt-error", Static)
        error.update(plain_lines(text or ""))
        error.set_class(bool(text), "-shown")

    def close(self) -> None:
        self.remove_class("-open")
        self.mode = None
        self.context = None
        self.post_message(self.Closed())

    def action_cancel(self) -> None:
        self.close()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode is not None:
            self.post_message(self.Submitted(self.mode, event.value, self.context))
