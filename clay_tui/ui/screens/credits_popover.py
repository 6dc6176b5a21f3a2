"""The small credits summary that opens from the status bar.

Like the credits popover in the hosted product's top bar: the balance and where
it stands, without leaving the table; Plans & Billing and Credit usage are one
key away.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from clay_tui.errors import ClayError
from clay_tui.services import credits as credits_service
from clay_tui.table.inert import inert
from clay_tui.ui.credits_watch import CreditsChanged, CreditsWatch
from clay_tui.ui.guards import guarded
from clay_tui.ui.plain import plain_lines
from clay_tui.workspace import Workspace


def summary_table(ws: Workspace, table_id: int | None, table_name: str | None) -> Table:
    """The popover's numbers, all read from the ledger now."""
    overview = credits_service.plan_overview(ws)
    bal, renewal = overview.balance, overview.next_renewal
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(justify="right")
    grid.add_row("Available", f"[bold]{bal.available:,}[/]")
    grid.add_row("  plan credits", f"{bal.plan:,}")
    grid.add_row("  purchased", f"{bal.purchased:,}")
    grid.add_row("  reserved by runs", f"{bal.reserved:,}")
    since = overview.period_start
    if table_id is not None:
        spent = credits_service.usage_report(ws, "table", table_id=table_id, since=since).net
        grid.add_row(Text(f"{inert(table_name)} this period"), f"{spent:,}")
    everywhere = credits_service.usage_report(ws, "table", since=since).net
    grid.add_row("Workspace this period", f"{everywhere:,}")
    forfeit = f", -{renewal.forfeit:,} over the cap" if renewal.forfeit else ""
    grid.add_row("Renews", f"{renewal.on.isoformat()}: +{renewal.grant:,}{forfeit}")
    grid.add_row("Plan", f"{overview.plan_name} ({overview.billing})")
    return grid


class CreditsPopover(ModalScreen[str | None]):
    """Dismisses with "plans_billing", "credit_usage" or None."""

    DEFAULT_CSS = """
    CreditsPopover { background: transparent; align: right bottom; }
    CreditsPopover > Vertical {
        width: 46; height: auto; margin: 0 0 1 0;
        border: round $accent; background: $panel; padding: 0 1;
    }
    CreditsPopover #cp-hint { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("escape", "choose(None)", "Close", show=False),
        Binding("b", "choose('plans_billing')", "Plans & Billing", show=False),
        Binding("u", "choose('credit_usage')", "Credit usage", show=False),
    ]

    def __init__(self, ws: Workspace, table_id: int | None, table_name: str | None) -> None:
        super().__init__()
        self.ws = ws
        self.table_id = table_id
        self.table_name = table_name
        self.numbers: Table | str = ""
        self._credits_watch = CreditsWatch(self, ws)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Credits"
            yield Static(id="cp-numbers")
            yield Static("b Plans & Billing · u usage · Esc close", id="cp-hint")

    def on_mount(self) -> None:
        self._credits_watch.start()
        self.refresh_numbers()

    def on_unmount(self) -> None:
        self._credits_watch.stop()

    def on_credits_changed(self, event: CreditsChanged) -> None:
        event.watch.taken()
        self.refresh_numbers()

    @guarded
    def refresh_numbers(self) -> None:
        try:
            self.numbers = summary_table(self.ws, self.table_id, self.table_name)
        except ClayError as exc:
            self.numbers = str(exc)
        numbers = self.numbers
        self.query_one("#cp-numbers", Static).update(
            numbers if isinstance(numbers, Table) else plain_lines(numbers)
        )

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)

    def on_click(self, event: events.Click) -> None:
        if self.get_widget_at(event.screen_x, event.screen_y)[0] is self:
            self.dismiss(None)
