"""The credits calculator (from Plans & Billing): what enriching N rows would cost.

The figures come from ``services.calculator``, which prices each column with the same
arithmetic as a run's estimate; the screen only collects the inputs and shows the answer.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from clay_tui.errors import ClayError
from clay_tui.services import calculator
from clay_tui.services.tables import find_table
from clay_tui.workspace import Workspace


class CreditsCalculatorScreen(Screen[None]):
    DEFAULT_CSS = """
    CreditsCalculatorScreen { layout: vertical; }
    CreditsCalculatorScreen #cc-title { dock: top; height: 1; background: $primary;
                                        color: $text; text-style: bold; padding: 0 1; }
    CreditsCalculatorScreen #cc-hint { dock: bottom; height: 1; color: $text-muted;
                                       padding: 0 1; }
    CreditsCalculatorScreen .cc-row { height: auto; }
    CreditsCalculatorScreen .cc-row > Static { width: 14; padding: 1 1 0 0; }
    CreditsCalculatorScreen .cc-row > Input { width: 1fr; }
    CreditsCalculatorScreen #cc-rows { width: 20; }
    CreditsCalculatorScreen #cc-go { margin: 1 0 0 14; }
    CreditsCalculatorScreen #cc-result { height: auto; border: round $accent; padding: 0 1;
                                         margin: 1 0 0 0; }
    """

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    def __init__(
        self, ws: Workspace, *, table: str | None = None, columns: str = "", rows: str = ""
    ) -> None:
        super().__init__()
        self.ws = ws
        self._table = table or ""
        self._columns = columns
        self._rows = rows
        self.calculation: calculator.Calculation | None = None

    def compose(self) -> ComposeResult:
        yield Static("Credits calculator", id="cc-title")
        with VerticalScroll(id="cc-body"):
            with Horizontal(classes="cc-row"):
                yield Static("Rows")
                yield Input(self._rows, placeholder="e.g. 500", id="cc-rows")
            with Horizontal(classes="cc-row"):
                yield Static("Columns")
                yield Input(
                    self._columns,
                    placeholder="enrichment columns or actions, comma-separated "
                    "(e.g. find_work_email)",
                    id="cc-columns",
                )
            with Horizontal(classes="cc-row"):
                yield Static("or recipe")
                yield Input(placeholder="recipe file (.toml)", id="cc-recipe")
            with Horizontal(classes="cc-row"):
                yield Static("Table")
                yield Input(
                    self._table,
                    placeholder="optional: its columns' own history",
                    id="cc-table",
                )
            yield Button("Calculate", id="cc-go", variant="primary")
            yield Static("", id="cc-result")
        yield Static(
            "Esc close · Enter calculate · the same figures as a run's estimate for the same rows",
            id="cc-hint",
        )

    def on_mount(self) -> None:
        self.query_one("#cc-rows", Input).focus()
        if self._rows and (self._columns or self._table):
            self.calculate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.calculate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cc-go":
            self.calculate()

    def calculate(self) -> None:
        value = {i.id: i.value.strip() for i in self.query(Input)}
        try:
            rows = calculator.parse_rows(value["cc-rows"])
            table = find_table(self.ws, value["cc-table"]) if value["cc-table"] else None
            names = [c for c in value["cc-columns"].split(",") if c.strip()]
            recipe = Path(value["cc-recipe"]) if value["cc-recipe"] else None
            specs = calculator.resolve_specs(self.ws, names, recipe, table)
            calc = calculator.calculate(self.ws, rows, specs, table)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.calculation = calc
        self.query_one("#cc-result", Static).update(self._result_table(calc))

    @staticmethod
    def _result_table(calc: calculator.Calculation) -> Table:
        grid = Table(box=None, padding=(0, 2), expand=False)
        grid.add_column("column")
        grid.add_column("max", justify="right")
        grid.add_column("expected", justify="right")
        grid.add_column("basis")
        for c in calc.columns:
            grid.add_row(
                Text(c.column), f"{c.max_credits:,}", f"{c.expected_credits:,}", Text(c.basis)
            )
        grid.add_row(
            Text("total", style="bold"),
            Text(f"{calc.max_credits:,}", style="bold"),
            Text(f"{calc.expected_credits:,}", style="bold"),
            "",
        )
        out = Table.grid()
        out.add_row(grid)
        out.add_row(Text(f"For {calc.rows:,} row(s) that call a provider."))
        months = calc.months(calc.max_credits)
        if months is not None:
            expected = calc.months(calc.expected_credits) or 0.0
            out.add_row(
                Text(
                    f"{months:.2f} month(s) of the {calc.plan_name} plan at the most, "
                    f"{expected:.2f} expected ({calc.monthly:,} credits a month)."
                )
            )
        out.add_row(Text(calc.covered_by(), style="bold"))
        return out

    def action_close(self) -> None:
        self.dismiss(None)
