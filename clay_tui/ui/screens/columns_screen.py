"""Choose which columns show: a checklist of every column of the table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from clay_tui.ui.plain import plain


class ColumnsScreen(ModalScreen[set[str] | None]):
    """Dismisses with the set of columns to hide (None when cancelled)."""

    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > Vertical { width: 50; max-width: 100%; height: auto; max-height: 90%;
                               border: round $accent; background: $panel; }
    ColumnsScreen SelectionList { height: auto; max-height: 30; border: none; }
    ColumnsScreen #columns-hint { color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("enter", "apply", "Apply", show=False, priority=True),
    ]

    def __init__(self, columns: list[str], hidden: set[str]) -> None:
        super().__init__()
        self.columns = columns
        self.hidden = set(hidden)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Columns"
            yield SelectionList[str](
                *[(plain(name), name, name not in self.hidden) for name in self.columns]
            )
            yield Static("Space toggles · Enter applies · Esc cancels", id="columns-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        shown = set(self.query_one(SelectionList).selected)
        self.dismiss({c for c in self.columns if c not in shown})

    def action_cancel(self) -> None:
        self.dismiss(None)
