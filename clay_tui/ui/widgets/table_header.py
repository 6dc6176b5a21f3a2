"""The header line: the table's name with the table menu button beside it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from clay_tui.ui.plain import plain


class TableHeader(Horizontal):
    DEFAULT_CSS = """
    TableHeader { height: 1; background: $primary-muted; }
    TableHeader > #hdr-name { width: auto; padding: 0 1; text-style: bold; }
    TableHeader > #hdr-menu { width: auto; min-width: 0; height: 1; border: none; padding: 0 1;
                              background: $primary; }
    TableHeader > #hdr-info { width: 1fr; padding: 0 1; color: $text-muted; }
    """

    class MenuPressed(Message):
        """The table menu button was pressed."""

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="hdr-name")
        yield Button("☰ Table", id="hdr-menu", compact=True)
        yield Static("? help · ctrl+p commands", id="hdr-info")

    def set_name(self, name: str) -> None:
        self.query_one("#hdr-name", Static).update(plain(name))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.MenuPressed())
