"""Edit an enrichment column (`e`, or column menu > Edit column…).

Name, "only run if" condition, auto-update and spend limit, saved through
``services.enrich.update_column`` (validated like adding a column). A mistake is one
sentence under the form and nothing changes. Dismisses with the column's (new) name,
or None when cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from clay_tui.errors import ClayError, ColumnSpecError
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.plain import plain, plain_lines
from clay_tui.ui.screens.draft_screen import DRAFT_KEY, ai_button, draft_into
from clay_tui.ui.widgets.inert_input import InertInput

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace


def parse_limit(text: str) -> int | None:
    """The spend-limit field: empty means no limit, else a whole number of credits."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ColumnSpecError(
            f"The spend limit must be a whole number of credits, not {text!r}."
        ) from None


class EditColumnScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    EditColumnScreen { align: center middle; }
    EditColumnScreen > Vertical { width: 72; max-width: 100%; height: auto;
                                  border: round $accent; background: $panel; padding: 0 1; }
    EditColumnScreen .row { height: auto; }
    EditColumnScreen .row > Label { width: 16; padding: 0 1 0 0; }
    EditColumnScreen .row > Input { width: 1fr; }
    EditColumnScreen #edit-error { color: $error; }
    EditColumnScreen #edit-buttons { height: auto; margin: 1 0 0 0; }
    EditColumnScreen #edit-buttons Button { margin: 0 2 0 0; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding(DRAFT_KEY, "draft", "Write with AI", show=False),
    ]

    def __init__(self, ws: Workspace, table: LeadTable, spec: ColumnSpec) -> None:
        super().__init__()
        self.ws, self.table, self.spec = ws, table, spec

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical() as box:
            box.border_title = plain(f"Edit {spec.name} ({spec.action})")
            box.border_subtitle = "Esc cancels"
            with Horizontal(classes="row"):
                yield Label("Name")
                yield InertInput(spec.name, id="edit-name", compact=True)
            with Horizontal(classes="row"):
                yield Label("Only run if")
                yield InertInput(
                    spec.condition or "",
                    id="edit-condition",
                    compact=True,
                    placeholder="optional, e.g. email IS NULL",
                )
                yield ai_button("edit-condition")
            with Horizontal(classes="row"):
                yield Label("Spend limit")
                yield Input(
                    "" if spec.spend_limit is None else str(spec.spend_limit),
                    id="edit-limit",
                    compact=True,
                    placeholder="credits for all runs together; empty = none",
                )
            yield Checkbox(
                "Auto-update (run on new or changed rows)",
                spec.auto_update,
                id="edit-auto",
                compact=True,
            )
            yield Static("", id="edit-error")
            with Horizontal(id="edit-buttons"):
                yield Button("Save", id="edit-save", variant="primary", compact=True)
                yield Button("Cancel", id="edit-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-name", Input).focus()

    def show_error(self, text: str | None) -> None:
        self.query_one("#edit-error", Static).update(plain_lines(text or ""))

    @on(Button.Pressed, "#edit-save")
    @on(Input.Submitted)
    def save(self) -> None:
        try:
            limit = parse_limit(self.query_one("#edit-limit", Input).value)
            spec = enrich_service.update_column(
                self.ws,
                self.table,
                self.spec.name,
                new_name=self.query_one("#edit-name", Input).value,
                condition=self.query_one("#edit-condition", Input).value,
                auto_update=self.query_one("#edit-auto", Checkbox).value,
                spend_limit=limit,
            )
        except ClayError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(spec.name)

    @on(Button.Pressed, "#edit-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#ai-edit-condition")
    def action_draft(self) -> None:
        """F3 / AI…: write the condition with AI (the column's own outputs are not offered)."""
        field = self.query_one("#edit-condition", Input)
        hide = frozenset(self.spec.outputs.values())
        draft_into(self, self.ws, self.table, field, "condition", hide)
