"""Turning a table's auto-update on asks first, showing what it will do (table menu, `t`).

The same facts as ``clay-tui auto-update TABLE on``: which columns run by themselves,
which input and condition columns trigger them, the most a new or edited row can cost,
and the daily cap. Dismisses with True (turn it on) or False.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from clay_tui.services.enrich import AutoUpdateState


class AutoUpdateScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    AutoUpdateScreen { align: center middle; }
    AutoUpdateScreen > Vertical { width: 84; max-width: 100%; height: auto;
                                  border: round $warning; background: $panel; padding: 0 1; }
    AutoUpdateScreen #au-body { height: auto; }
    AutoUpdateScreen #au-buttons { height: auto; margin: 1 0 0 0; }
    AutoUpdateScreen #au-buttons Button { margin: 0 2 0 0; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, state: AutoUpdateState) -> None:
        super().__init__()
        self.state = replace(state, on=True)  # what it will be once on

    def body(self) -> Text:
        """Plain text (column names are data, never markup)."""
        if not self.state.columns:
            return Text(
                "The table has no enrichment columns yet: nothing runs until you add one (+)."
            )
        lines = self.state.lines()[1:]
        intro = (
            "Columns run by themselves on new rows and on rows where a column they read "
            "changes value:"
        )
        return Text("\n".join([intro, *lines]))

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Turn auto-update on for {self.state.table}?"
            box.border_subtitle = "Esc cancels"
            yield Static(self.body(), id="au-body")
            with Horizontal(id="au-buttons"):
                yield Button("Turn on", id="au-on", variant="warning", compact=True)
                yield Button("Cancel", id="au-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#au-cancel", Button).focus()  # Enter right away changes nothing

    @on(Button.Pressed, "#au-on")
    def _turn_on(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#au-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
