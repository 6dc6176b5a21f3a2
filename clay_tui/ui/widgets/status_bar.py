"""The status bar: where am I, what is filtered, and how many credits are left.

One widget drawing one line from its state (no child widgets), so updating it
on every cursor move costs a repaint of one line and never a layout pass.
Credits are re-read from ``credits_summary`` when the ledger says they changed
(``CreditsChanged``, after each commit), so a run's spending shows while it happens;
clicking them opens a small credits summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

from clay_tui.errors import ClayError
from clay_tui.services import credits as credits_service
from clay_tui.table.inert import inert
from clay_tui.ui.credits_watch import CreditsChanged, CreditsWatch
from clay_tui.ui.guards import guarded

if TYPE_CHECKING:
    from clay_tui.workspace import Workspace


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; }
    StatusBar > .status--filter-on { background: $accent-muted; }
    StatusBar > .status--sandbox { background: $warning-muted; }
    StatusBar > .status--credits { text-style: bold; }
    StatusBar > .status--low { background: $warning; color: $text; text-style: bold; }
    StatusBar > .status--empty { background: $error; color: $text; text-style: bold; }
    StatusBar > .status--dim { color: $text-muted; }
    StatusBar > .status--run { background: $accent-muted; text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "status--filter-on",
        "status--sandbox",
        "status--credits",
        "status--low",
        "status--empty",
        "status--dim",
        "status--run",
    }

    def __init__(self, ws: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ws = ws
        self.table_name = ""
        self.rows_text = ""
        self.cell_text = ""
        self.selected = 0  # rows selected with space
        self.filter_on = False
        self.auto_update: bool | None = None
        self.auto_pending = 0
        self.run_text: str | None = None
        self.busy_text: str | None = None
        self.credits_text = ""
        self.credits_level = "ok"  # "ok" | "low" | "empty" | "error"
        self._credits_x = (0, 0)  # where the credits were drawn, for clicks
        self._credits_watch = CreditsWatch(self, ws)

    def start_credits(self) -> None:
        """Show the credits and follow the ledger from now on (the table screen calls this once
        its first rows are on screen: start-up, see ui/startup.py)."""
        self._credits_watch.start()
        self.refresh_credits()

    def on_unmount(self) -> None:
        self._credits_watch.stop()

    def on_credits_changed(self, event: CreditsChanged) -> None:
        event.watch.taken()
        self.refresh_credits()

    # ------------------------------------------------------------ state
    @guarded
    def refresh_credits(self) -> None:
        try:
            summary = credits_service.credits_summary(self.ws)
        except ClayError as exc:
            text, level = inert(f"credits: {exc}"), "error"
        else:
            text = f"{summary.available:,} credits"
            if summary.source != "ledger":
                text += f" ({summary.source})"
            level = "empty" if summary.available <= 0 else "low" if summary.low else "ok"
        if (text, level) != (self.credits_text, self.credits_level):
            self.credits_text, self.credits_level = text, level
            self.refresh()

    def show_table(self, name: str, visible: int, total: int) -> None:
        self.table_name = inert(name)
        if visible == total:
            self.rows_text = f"{visible:,} rows"
        else:
            self.rows_text = f"{visible:,} of {total:,} rows"
        self.refresh()

    def show_first_rows(self, name: str, rows: int) -> None:
        """The first rows of a big table, shown while the whole of it loads."""
        self.table_name = inert(name)
        self.rows_text = f"first {rows:,} rows"
        self.busy_text = "loading…"
        self.refresh()

    def show_cell(self, column: str | None, row: int, row_id: int | None = None) -> None:
        """The current cell: its column, its place in the view and its stable row id."""
        self.cell_text = "" if column is None else f"{inert(column)} · row {row + 1:,}"
        if column is not None and row_id is not None:
            self.cell_text += f" (id {row_id})"
        self.refresh()

    def show_selected(self, count: int) -> None:
        if count != self.selected:
            self.selected = count
            self.refresh()

    def show_filter(self, text: str | None) -> None:
        self.filter_on = bool(text)
        self.refresh()

    def show_busy(self, text: str | None) -> None:
        """A short note while a worker recomputes the view ("sorting…")."""
        self.busy_text = inert(text) if text else text
        self.refresh()

    def show_auto_update(self, on: bool, pending: int | None = None) -> None:
        self.auto_update = on
        if pending is not None:
            self.auto_pending = pending
        self.refresh()

    def show_run(self, text: str | None) -> None:
        """An enrichment run's progress ("Work Email 34/190 · 12 credits"), or None."""
        self.run_text = inert(text) if text else text
        self.refresh()

    @property
    def text(self) -> str:
        """The whole line as plain text (for tests and screen readers)."""
        return self.render().plain

    # ------------------------------------------------------------ drawing
    def render(self) -> Text:
        dim = self.get_component_rich_style("status--dim")
        left = Text(no_wrap=True, overflow="ellipsis")
        left.append(f" {self.table_name} ", Style(bold=True))
        left.append(f" {self.rows_text} ")
        left.append(f" {self.cell_text} ", dim)
        if self.selected:
            left.append(
                f" {self.selected:,} selected ", self.get_component_rich_style("status--filter-on")
            )
        filter_style = self.get_component_rich_style("status--filter-on") if self.filter_on else dim
        left.append(f" filter {'on' if self.filter_on else 'off'} ", filter_style)
        if self.auto_update is not None:
            pending = f", {self.auto_pending:,} pending" if self.auto_pending else ""
            left.append(f" auto-update {'on' if self.auto_update else 'off'}{pending} ", dim)
        right = Text(no_wrap=True)
        if self.run_text:
            right.append(f" {self.run_text} ", self.get_component_rich_style("status--run"))
            right.append(" ")
        if self.busy_text:
            right.append(f" {self.busy_text} ", self.get_component_rich_style("status--low"))
            right.append(" ")
        if self.ws.settings.any_sandbox:
            right.append(" sandbox ", self.get_component_rich_style("status--sandbox"))
            right.append(" ")
        level_class = {
            "low": "status--low",
            "empty": "status--empty",
            "error": "status--empty",
        }.get(self.credits_level, "status--credits")
        credits = f" {self.credits_text} "
        right.append(credits, self.get_component_rich_style(level_class))
        width = self.size.width
        right_len = cell_len(right.plain)
        left.truncate(max(0, width - right_len - 1), overflow="ellipsis", pad=True)
        self._credits_x = (width - cell_len(credits), width)
        left.append(" ")
        left.append_text(right)
        return left

    async def on_click(self, event: events.Click) -> None:
        start, end = self._credits_x
        if start <= event.x < end:
            await self.app.run_action("credits_popover")
