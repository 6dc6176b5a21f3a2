"""A small pop-up menu placed where it was asked for (a click, or the cursor).

Dismisses with the chosen item's id, or None on Escape / a click outside.
"""

from __future__ import annotations

import re

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from clay_tui.ui.plain import plain

MenuItem = tuple[str, str] | None  # (id, label); None draws a separator
HOTKEY = re.compile(r"\((\S)\)\s*$")  # a label ending in "(i)" is chosen by pressing i


class PopupMenu(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PopupMenu { background: transparent; align: left top; }
    PopupMenu > OptionList, PopupMenu > OptionList:focus {
        width: auto; min-width: 22; max-width: 50; height: auto;
        border: round $accent; background: $panel; padding: 0;
    }
    """

    BINDINGS = [Binding("escape", "dismiss_menu", "Close", show=False)]

    def __init__(self, title: str, items: list[MenuItem], x: int = 0, y: int = 0) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.at = (x, y)
        self.hotkeys = {
            m.group(1): item[0] for item in items if item and (m := HOTKEY.search(item[1]))
        }

    def compose(self) -> ComposeResult:
        options = [Option(plain(item[1]), id=item[0]) if item else None for item in self.items]
        menu = OptionList(*options, id="menu")
        menu.border_title = plain(self.title_text)
        yield menu

    def on_mount(self) -> None:
        menu = self.query_one(OptionList)
        width = max(
            22, max((len(i[1]) for i in self.items if i), default=10) + 4, len(self.title_text) + 6
        )
        height = len(self.items) + 2
        x = max(0, min(self.at[0], self.app.size.width - width))
        y = max(0, min(self.at[1], self.app.size.height - height))
        menu.styles.offset = (x, y)
        menu.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        """The key shown beside an item chooses it, as it does on the table."""
        if event.character and event.character in self.hotkeys:
            event.stop()
            self.dismiss(self.hotkeys[event.character])

    def on_click(self, event: events.Click) -> None:
        if self.get_widget_at(event.screen_x, event.screen_y)[0] is self:
            self.dismiss(None)

    def action_dismiss_menu(self) -> None:
        self.dismiss(None)
