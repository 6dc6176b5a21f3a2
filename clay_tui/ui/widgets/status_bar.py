"""The status bar: where am I, what is filtered, and how many credits are left.

Credits are re-read every 0.5 s from ``credits_summary`` so a run's spending
shows up while it happens; clicking them opens Plans & Billing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from clay_tui.errors import ClayError
from clay_tui.services.credits import credits_summary

if TYPE_CHECKING:
    from clay_tui.workspace import Workspace


class CreditsLabel(Static):
    """Credits remaining; a click opens Plans & Billing."""

    def on_click(self) -> None:
        self.app.run_action("plans_billing")


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; }
    StatusBar > Static { width: auto; padding: 0 1; }
    StatusBar > #st-cell { width: 1fr; text-overflow: ellipsis; text-wrap: nowrap; }
    StatusBar > #st-filter.-on { background: $accent-muted; }
    StatusBar > #st-sandbox { background: $warning-muted; }
    StatusBar > #st-credits.-low { background: $warning; color: $text; }
    StatusBar > #st-credits.-empty { background: $error; color: $text; }
    """

    def __init__(self, ws: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield Static("", id="st-table")
        yield Static("", id="st-rows")
        yield Static("", id="st-cell")
        yield Static("filter off", id="st-filter")
        yield Static("", id="st-auto")
        sandbox = Static("sandbox", id="st-sandbox")
        sandbox.display = bool(self.ws.settings.any_sandbox)
        yield sandbox
        yield CreditsLabel("", id="st-credits")

    def on_mount(self) -> None:
        self.refresh_credits()
        self.set_interval(0.5, self.refresh_credits)

    def refresh_credits(self) -> None:
        label = self.query_one("#st-credits", Static)
        try:
            summary = credits_summary(self.ws)
        except ClayError as exc:
            label.update(f"credits: {exc}")
            return
        text = f"{summary.available:,} credits"
        if summary.source != "ledger":
            text += f" ({summary.source})"
        label.update(text)
        label.set_class(summary.low and summary.available > 0, "-low")
        label.set_class(summary.available <= 0, "-empty")

    def show_table(self, name: str, visible: int, total: int) -> None:
        self.query_one("#st-table", Static).update(name)
        rows = f"{visible:,} rows" if visible == total else f"{visible:,} of {total:,} rows"
        self.query_one("#st-rows", Static).update(rows)

    def show_cell(self, column: str | None, row: int) -> None:
        cell = "" if column is None else f"{column} · row {row + 1:,}"
        self.query_one("#st-cell", Static).update(cell)

    def show_filter(self, text: str | None) -> None:
        label = self.query_one("#st-filter", Static)
        label.update("filter on" if text else "filter off")
        label.set_class(bool(text), "-on")

    def show_auto_update(self, on: bool) -> None:
        self.query_one("#st-auto", Static).update(f"auto-update {'on' if on else 'off'}")
