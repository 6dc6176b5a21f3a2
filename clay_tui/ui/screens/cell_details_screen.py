"""Cell details (Enter on an enrichment cell): the value, its state and why, and every
provider attempt with its credits, from ``services.enrich.cell_details`` (the numbers
``clay-tui cell`` prints). ``e`` or Enter edits the value, ``y`` copies it, Esc closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from clay_tui.services import enrich as enrich_service
from clay_tui.states import CellState, label

if TYPE_CHECKING:
    from clay_tui.services.enrich import CellDetails
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

EDIT = "edit"


def plain(value: Any) -> str:
    """Untrusted text as one safe line: no escape or control characters, never markup."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
    return "".join(ch if ch.isprintable() else "�" for ch in text.replace("\t", " "))


def _when(iso_text: str | None) -> str:
    return (iso_text or "")[:19].replace("T", " ")


STATE_STYLE = {
    CellState.FOUND: "bold green",
    CellState.NO_DATA: "yellow",
    CellState.INVALID: "yellow",
    CellState.ERROR: "bold red",
    CellState.NO_CREDITS: "bold red",
}


def details_body(d: CellDetails) -> Group:
    t = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    for col, value in d.values.items():
        t.add_row(
            Text(plain(col)),
            Text(plain(value)) if value not in (None, "") else Text("(empty)", style="dim"),
        )
    t.add_row("", "")
    state = Text(label(d.state), style=STATE_STYLE.get(d.state, "bold"))
    state.append(" · ", style="dim").append(plain(d.why), style="")
    t.add_row("State", state)
    if d.condition:
        t.add_row("Only run if", Text(plain(d.condition)))
    mode = {
        "sandbox": Text("sandbox (simulated answers)", style="bold yellow"),
        "live": Text("live providers", style="bold"),
        "offline": Text("no provider (computed here)"),
    }[d.mode]
    t.add_row("Mode", mode)
    t.add_row(
        "Paid with",
        {
            "credits": "clay-tui credits",
            "own key": "your own key (free)",
            "free": "free (no provider)",
        }.get(d.paid_with, d.paid_with),
    )
    if d.run_id is not None:
        t.add_row(
            "Stored",
            Text(
                f"by run {d.run_id} ({d.trigger or 'started before triggers'})"
                f" at {_when(d.updated_at)} UTC"
            ),
        )
    t.add_row(
        "Credits",
        Text(f"{d.ledger_net:,} net", style="bold").append(
            f" · {d.ledger_charged:,} charged, {d.ledger_refunded:,} refunded", style=""
        ),
    )
    parts: list[Any] = [t]
    if not d.attempts:
        parts.append(Text("\nNo paid call was made for this cell.", style="dim"))
        return Group(*parts)
    a_table = Table(
        title="Attempts (waterfall order)",
        title_justify="left",
        box=None,
        padding=(0, 1, 0, 0),
        expand=False,
        header_style="bold",
    )
    for name, justify in (
        ("run", "right"),
        ("by", "left"),
        ("#", "right"),
        ("provider", "left"),
        ("outcome", "left"),
        ("verifier", "left"),
        ("held", "right"),
        ("charged", "right"),
        ("refund", "right"),
        ("at", "left"),
    ):
        a_table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    notes: list[Text] = []
    for i, a in enumerate(d.attempts):
        call = 1 + sum(1 for b in d.attempts[:i] if b.run_id == a.run_id)
        verdict = plain(a.verifier_status or "")
        if a.verifier_score is not None:
            verdict += f" {plain(a.verifier_score)}"
        outcome = Text(plain(a.outcome_text))
        if a.rejected:
            outcome.append(" rejected", style="yellow")
        a_table.add_row(
            str(a.run_id),
            a.trigger or "?",
            str(call),
            Text(plain(f"{a.provider}.{a.op}")),
            outcome,
            Text(verdict),
            str(a.reserved),
            str(a.charged),
            str(a.refunded),
            _when(a.finished_at or a.started_at)[11:] or "",
        )
        if a.message:
            notes.append(
                Text(
                    f"  run {a.run_id} #{call} {plain(a.provider)}: {plain(a.message)}", style="dim"
                )
            )
    parts += [Text(""), a_table, *notes]
    return Group(*parts)


class CellDetailsScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    CellDetailsScreen { align: center middle; }
    CellDetailsScreen > VerticalScroll { width: 100; max-width: 100%; height: auto;
                                         max-height: 90%; border: round $accent;
                                         background: $panel; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close", show=False),
        Binding("enter,e", "edit", "Edit the value", show=False),
        Binding("y", "copy", "Copy the value", show=False),
    ]

    def __init__(self, ws: Workspace, table: LeadTable, column: str, row_id: int) -> None:
        super().__init__()
        self.ws, self.table, self.column, self.row_id = ws, table, column, row_id
        self.details = enrich_service.cell_details(ws, table, column, row_id)

    def compose(self) -> ComposeResult:
        d = self.details
        with VerticalScroll() as scroll:
            title = f"Cell · {plain(d.column)} · row id {d.row_id}"
            if d.column != self.column:
                title += f" · {plain(self.column)}"
            scroll.border_title = title + (" · SANDBOX" if d.mode == "sandbox" else "")
            scroll.border_subtitle = "Enter/e edit · y copy value · Esc close"
            yield Static(details_body(d), id="cell-details-body")

    def value(self) -> Any:
        values = self.details.values
        if self.column in values:
            return values[self.column]
        return next(iter(values.values()), None)

    def action_copy(self) -> None:
        value = self.value()
        text = "" if value is None else str(value)
        self.app.copy_to_clipboard(text)
        self.notify(
            "Copied the value." if text else "The cell is empty: copied nothing.", timeout=3
        )

    def action_edit(self) -> None:
        self.dismiss(EDIT)

    def action_close(self) -> None:
        self.dismiss(None)
