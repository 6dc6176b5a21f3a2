"""Plans & Billing: the plan, both buckets, the next renewal, buying credits, recent entries.

Every number comes from the ledger through ``services.credits`` and is re-read when the
ledger says it changed (``CreditsChanged``), so it agrees with the status bar during a run.
Buying asks for confirmation first.
"""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static

from clay_tui.errors import ClayError
from clay_tui.services import credits as svc
from clay_tui.ui.credits_watch import CreditsChanged, CreditsWatch
from clay_tui.ui.guards import guarded
from clay_tui.ui.plain import markup_safe
from clay_tui.ui.screens.credits_calculator_screen import CreditsCalculatorScreen
from clay_tui.workspace import Workspace


def _num(value: int) -> str:
    return f"{value:,}"


class PlansBillingScreen(Screen[None]):
    DEFAULT_CSS = """
    PlansBillingScreen { layout: vertical; }
    PlansBillingScreen #pb-title { dock: top; height: 1; background: $primary; color: $text;
                                   text-style: bold; padding: 0 1; }
    PlansBillingScreen #pb-hint { dock: bottom; height: 1; color: $text-muted; padding: 0 1; }
    PlansBillingScreen #pb-cards { height: auto; }
    PlansBillingScreen .pb-card { width: 1fr; height: auto; border: round $accent;
                                  padding: 0 1; margin: 0 1 0 0; }
    PlansBillingScreen #pb-buy-row, PlansBillingScreen #pb-confirm {
        height: auto; margin: 1 0 0 0; }
    PlansBillingScreen #pb-buy-row > Static { width: auto; padding: 1 1 0 0; }
    PlansBillingScreen #pb-amount { width: 24; }
    PlansBillingScreen #pb-confirm { display: none; }
    PlansBillingScreen #pb-confirm.-shown { display: block; }
    PlansBillingScreen #pb-confirm > Static { width: auto; padding: 1 1 0 0; }
    PlansBillingScreen #pb-entries { height: auto; max-height: 14; margin: 1 0 0 0; }
    PlansBillingScreen #pb-entries-title { margin: 1 0 0 0; text-style: bold; }
    PlansBillingScreen Button { margin: 0 1 0 0; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+r", "reload", "Refresh", show=False),
        Binding("f3", "calculator", "Credits calculator", show=False),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self._pending_amount: int | None = None
        self._credits_watch = CreditsWatch(self, ws)

    def compose(self) -> ComposeResult:
        yield Static("Plans & Billing", id="pb-title")
        with VerticalScroll(id="pb-body"):
            with Horizontal(id="pb-cards"):
                plan = Static(id="pb-plan", classes="pb-card")
                plan.border_title = "Plan"
                yield plan
                balance = Static(id="pb-balance", classes="pb-card")
                balance.border_title = "Credits"
                yield balance
                renewal = Static(id="pb-renewal", classes="pb-card")
                renewal.border_title = "Next renewal"
                yield renewal
            with Horizontal(id="pb-buy-row"):
                yield Static("Purchase credits")
                yield Input(placeholder="amount, e.g. 500", id="pb-amount")
                yield Button("Buy…", id="pb-buy", variant="primary")
                yield Button("Calculator… (F3)", id="pb-calc")
            with Horizontal(id="pb-confirm"):
                yield Static("", id="pb-confirm-text")
                yield Button("Confirm", id="pb-confirm-yes", variant="success")
                yield Button("Cancel", id="pb-confirm-no")
            yield Static("Recent ledger entries", id="pb-entries-title")
            yield DataTable(id="pb-entries", cursor_type="row", zebra_stripes=True)
        yield Static(
            "Esc close · Enter buy · purchased credits never expire and are spent "
            "after plan credits",
            id="pb-hint",
        )

    def on_mount(self) -> None:
        table = self.query_one("#pb-entries", DataTable)
        table.add_columns("#", "time (UTC)", "kind", "credits", "bucket", "where", "note")
        self._credits_watch.start()
        self.reload()
        self.query_one("#pb-amount", Input).focus()  # buying is the one thing to type here

    def on_unmount(self) -> None:
        self._credits_watch.stop()

    # ------------------------------------------------------------ data
    def on_credits_changed(self, event: CreditsChanged) -> None:
        event.watch.taken()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    @guarded
    def reload(self) -> None:
        try:
            overview = svc.plan_overview(self.ws)
            entries = svc.recent_entries(self.ws, 12)
            places = svc.entry_places(self.ws, entries)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.query_one("#pb-plan", Static).update(self._plan_card(overview))
        self.query_one("#pb-balance", Static).update(self._balance_card(overview))
        self.query_one("#pb-renewal", Static).update(self._renewal_card(overview))
        table = self.query_one("#pb-entries", DataTable)
        table.clear()
        for e, where in zip(entries, places, strict=True):
            table.add_row(
                str(e.id),
                e.at[:16].replace("T", " "),
                e.kind,
                f"{e.amount:+,}" if e.amount else "0",
                e.bucket,
                markup_safe(where),  # str cells are parsed as markup: names are data
                markup_safe(e.note or ""),
            )

    @staticmethod
    def _grid() -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(justify="right")
        return grid

    def _plan_card(self, o: svc.PlanOverview) -> Table:
        grid = self._grid()
        grid.add_row("Plan", o.plan_name)
        grid.add_row("Billing", o.billing)
        grid.add_row(
            "Allocation", f"{_num(o.allocation)} / {'year' if o.billing == 'annual' else 'month'}"
        )
        grid.add_row(
            "Rollover cap",
            _num(o.rollover_cap)
            if o.rollover_cap
            else ("expires at term end" if o.billing == "annual" else "none"),
        )
        grid.add_row("Period began", o.period_start.isoformat())
        grid.add_row("Renews on", o.next_renewal.on.isoformat())
        if o.pending_change:
            grid.add_row("Changing to", f"{o.pending_change.name} at next renewal")
        return grid

    def _balance_card(self, o: svc.PlanOverview) -> Table:
        b = o.balance
        grid = self._grid()
        grid.add_row("Available", f"[b]{_num(b.available)}[/b]")
        grid.add_row("Plan bucket", _num(b.plan))
        grid.add_row("Purchased bucket", _num(b.purchased))
        grid.add_row("Reserved (in flight)", _num(b.reserved))
        if b.available < o.low_warning:
            grid.add_row(
                "",
                f"[$warning]below {_num(o.low_warning)}[/]"
                if b.available > 0
                else "[$error]no credits left[/]",
            )
        return grid

    def _renewal_card(self, o: svc.PlanOverview) -> Table:
        n = o.next_renewal
        grid = self._grid()
        grid.add_row("On", n.on.isoformat())
        grid.add_row("Plan", n.plan_name)
        grid.add_row("Grant", f"+{_num(n.grant)}")
        grid.add_row("Forfeit (over cap)", f"-{_num(n.forfeit)}")
        if n.expire:
            grid.add_row("Expire (term end)", f"-{_num(n.expire)}")
        grid.add_row("Plan bucket after", _num(n.plan_after))
        return grid

    # ------------------------------------------------------------ buying
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pb-amount":
            event.stop()
            self.ask_to_buy()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "pb-buy":
            self.ask_to_buy()
        elif event.button.id == "pb-confirm-yes":
            self.buy()
        elif event.button.id == "pb-confirm-no":
            self.cancel_buy()
        elif event.button.id == "pb-calc":
            self.action_calculator()

    def action_calculator(self) -> None:
        self.app.push_screen(CreditsCalculatorScreen(self.ws))

    def ask_to_buy(self) -> None:
        text = self.query_one("#pb-amount", Input).value
        try:
            amount = svc.parse_amount(text)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self._pending_amount = amount
        self.query_one("#pb-confirm-text", Static).update(
            f"Buy [b]{_num(amount)}[/b] credits into the purchased bucket?"
        )
        self.query_one("#pb-confirm").add_class("-shown")
        self.query_one("#pb-confirm-yes", Button).focus()

    def buy(self) -> None:
        amount = self._pending_amount
        if amount is None:
            return
        try:
            balance = svc.buy_credits(self.ws, amount)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.cancel_buy()
        self.query_one("#pb-amount", Input).value = ""
        self.notify(
            f"Bought {_num(amount)} credits; {_num(balance.available)} available.", timeout=4
        )
        self.reload()

    def cancel_buy(self) -> None:
        self._pending_amount = None
        self.query_one("#pb-confirm").remove_class("-shown")
        self.query_one("#pb-amount", Input).focus()

    def action_close(self) -> None:
        if self._pending_amount is not None:
            self.cancel_buy()
            return
        self.dismiss(None)
