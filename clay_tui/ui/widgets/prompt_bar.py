"""A one-line prompt under the grid for filter, search, go-to, edit and rename.

It stays open on a bad answer and shows the error inline, so a typo in a
filter expression can be fixed without retyping it.
"""

from __future__ import annotations

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
        """An answer to ``request`` (the object given to ``ask``: what the question was)."""

        def __init__(self, request: object, value: str) -> None:
            self.request = request
            self.value = value
            super().__init__()

    class Closed(Message):
        """The prompt was closed (answered or cancelled)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.request: object | None = None  # the open question (None: closed)

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
        request: object,
        label: str,
        value: str = "",
        *,
        suggestions: list[str] | None = None,
        placeholder: str = "",
        select: bool = False,
    ) -> None:
        """Open the prompt for one question; ``select`` selects ``value`` so that typing
        replaces it (a new search) while Enter keeps it."""
        self.request = request
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
        self.request = None
        self.post_message(self.Closed())

    def action_cancel(self) -> None:
        self.close()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.request is not None:
            self.post_message(self.Submitted(self.request, event.value))
