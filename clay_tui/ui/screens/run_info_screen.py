"""Run Info (right-click a column > Run Info, or `i`): what a column cost and found to date.

Everything comes from ``services.enrich.run_info`` (cells, runs and the ledger), so the
numbers here are the ones ``clay-tui run-info`` prints. A plain input column says so:
it is data, not an enrichment, and costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from clay_tui.services import enrich as enrich_service
from clay_tui.states import CellState, label
from clay_tui.table.inert import inert
from clay_tui.ui.plain import plain

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec, RunInfo
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

# Each state's row in the numbers, in the order a person reads them
STATES = {
    CellState.FOUND: "Found (hits)",
    CellState.NO_DATA: "No data (misses)",
    CellState.INVALID: "Invalid (did not pass validation)",
    CellState.ERROR: "Errors",
    CellState.SKIPPED: "Skipped: condition not met",
    CellState.MISSING_INPUT: "Missing input",
    CellState.NO_CREDITS: "Not enough credits",
    CellState.SPEND_LIMIT: "Stopped by a spend limit",
    CellState.CANCELLED: "Stopped",  # the word the cells use
    CellState.INTERRUPTED: "Interrupted",
}
# shown even at 0; the states a run only leaves when stopped are shown when they occur
ALWAYS_SHOWN = frozenset(STATES) - {
    CellState.SPEND_LIMIT,
    CellState.CANCELLED,
    CellState.INTERRUPTED,
}


def owning_spec(ws: Workspace, table: LeadTable, column: str) -> ColumnSpec | None:
    """The enrichment column that fills ``column`` (itself, or one of its outputs)."""
    for spec in enrich_service.list_columns(ws, table):
        if spec.name == column or column in spec.outputs.values():
            return spec
    return None


def _when(iso_text: str | None) -> str:
    if not iso_text:
        return "never"
    return iso_text[:16].replace("T", " ") + " UTC"


def _text(value: str) -> Text:
    """Data (names, conditions, provider errors) as literal, inert text: a str cell of a rich
    Table would be parsed as markup."""
    return Text(inert(value))


def run_info_table(info: RunInfo, spec: ColumnSpec) -> Table:
    """The numbers of one column's Run Info as a two-column table."""
    t = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    mode = (
        Text("sandbox (simulated answers, not real providers)", style="bold yellow")
        if info.sandbox
        else Text("live providers", style="bold")
    )
    if not info.providers:  # a cleaning or formula column runs here, on no provider at all
        mode = Text("local (no provider is called)", style="bold")
    t.add_row("Mode", mode)
    t.add_row("Action", _text(f"{info.action} · providers {' → '.join(info.providers) or 'none'}"))
    if spec.condition:
        t.add_row("Only run if", _text(spec.condition))
    t.add_row("Auto-update", "on" if spec.auto_update else "off")
    t.add_row("", "")
    t.add_row("Credits spent", Text(f"{info.credits_spent:,}", style="bold"))
    t.add_row("  charged", f"{info.credits_charged:,}")
    t.add_row("  refunded", f"{info.refunds:,}")
    per = " · ".join(f"{p} {n:,}" for p, n in sorted(info.per_provider.items())) or "none"
    t.add_row("  by provider", _text(per))
    team = len(info.members) > 1  # who spent it, once more than one person has
    if team:
        t.add_row("  by member", _text(info.members_text()))
    if info.spend_limit is None:
        t.add_row("Spend limit", "none (e sets one)")
    else:
        t.add_row(
            "Spend limit",
            f"{info.spend_limit:,} · {info.spend_limit_used:,} of "
            f"{info.spend_limit:,} used · {info.spend_limit_left:,} left "
            "(e changes it)",
        )
    t.add_row("", "")
    t.add_row(
        "Rows tried", f"{info.rows_tried:,} of {info.rows:,} (a provider or the action was asked)"
    )
    t.add_row("Rows done", f"{info.rows_run:,} of {info.rows:,} ({info.percent_run:g} %)")
    for state, name in STATES.items():
        n = info.counts.get(state, 0)
        if n or state in ALWAYS_SHOWN:
            t.add_row(f"  {name}", f"{n:,}")
    t.add_row("Hit rate", f"{info.hit_rate:.0%} of rows tried")
    t.add_row("", "")
    last = _when(info.last_run_at)
    if info.last_run_status:
        last += f" ({label(info.last_run_status)})"
    if info.last_run_trigger:
        last += f", started by {info.last_run_trigger}"
    if team and info.last_run_member:
        last += f" ({info.last_run_member})"
    t.add_row("Runs", _text(f"{info.runs:,} · last {last}"))
    did = ": ".join(x for x in (info.last_run_rows or "", info.last_run_text()) if x)
    if did:
        t.add_row("  last run", _text(did))
    errors = info.recent_errors
    t.add_row("Recent errors", _text(errors[0]) if errors else "none")
    for message in errors[1:]:
        t.add_row("", _text(message))
    return t


class RunInfoScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RunInfoScreen { align: center middle; }
    RunInfoScreen > VerticalScroll { width: 84; max-width: 100%; height: auto; max-height: 90%;
                                     border: round $accent; background: $panel; padding: 0 1; }
    """

    BINDINGS = [Binding("escape,q,i", "close", "Close", show=False)]

    def __init__(self, ws: Workspace, table: LeadTable, column: str) -> None:
        super().__init__()
        self.ws, self.table, self.column = ws, table, column
        self.spec = owning_spec(ws, table, column)
        self.info: RunInfo | None = None
        if self.spec is not None:
            self.info = enrich_service.run_info(ws, table, self.spec.name)

    def body(self) -> Table | Text:
        if self.spec is None or self.info is None:
            return Text(
                f"{inert(self.column)} is not an enrichment column: it holds input data, "
                "never runs, and costs nothing.\n\nAdd one with + (Add enrichment column)."
            )
        return run_info_table(self.info, self.spec)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            title = f"Run Info · {self.spec.name if self.spec else self.column}"
            if self.spec is not None and self.spec.name != self.column:
                title += f" (fills {self.column})"
            if self.info is not None and self.info.sandbox:
                title += " · SANDBOX"
            scroll.border_title = plain(title)
            scroll.border_subtitle = "Esc closes"
            yield Static(self.body(), id="run-info-body")

    def action_close(self) -> None:
        self.dismiss(None)


def run_info_text(ws: Workspace, table: LeadTable, column: str) -> str:
    """Run Info as plain text (tests, and anything that wants it without a screen)."""
    from rich.console import Console

    screen = RunInfoScreen(ws, table, column)
    console = Console(width=100, record=True, color_system=None)
    with console.capture() as cap:
        console.print(screen.body())
    return cap.get()
