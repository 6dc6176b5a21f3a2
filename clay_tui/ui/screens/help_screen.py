"""`?`: every key of the app, straight from the keymap."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from clay_tui.ui.keymap import KEYMAP

SECTIONS = {"grid": "Moving around", "screen": "Table", "app": "Everywhere"}


def keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for target, title in SECTIONS.items():
        table.add_row(f"[u]{title}[/u]", "")
        for key in KEYMAP:
            if key.target == target:
                table.add_row(key.display_keys, key.description)
        table.add_row("", "")
    table.add_row("Mouse", "click selects a cell; right-click a header opens its column menu")
    table.add_row("Esc", "closes a prompt, a menu or this screen")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-width: 100%; height: 90%; border: round $accent;
                                  background: $panel; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc closes"
            yield Static(keys_table(), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
