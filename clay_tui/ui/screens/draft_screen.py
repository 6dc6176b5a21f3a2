"""Write a condition (or a formula) with AI: describe rows in words, get Polars SQL.

Opened with F3 or the "AI…" button beside a condition or formula field (add column, edit
column, and the run dialog's condition). The cost of one draft is shown before asking; the
draft is shown with the model's explanation and, for a condition, how many rows it matches;
the expression stays editable (each edit is checked against the table again) and only "Use
it" hands it back. Dismisses with the expression, or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from clay_tui.errors import ClayError
from clay_tui.services import drafting
from clay_tui.ui.plain import plain, plain_lines
from clay_tui.ui.widgets.inert_input import InertInput

if TYPE_CHECKING:
    from textual.screen import Screen

    from clay_tui.services.drafting import Draft
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

DRAFT_KEY = "f3"
EXAMPLES = {
    "condition": "e.g. US companies with 50 to 500 employees, no email yet",
    "formula": "e.g. full name, or the domain of the email",
}


def ai_button(field_id: str) -> Button:
    """The small button that opens the drafter for the field ``field_id``."""
    return Button("AI…", id=f"ai-{field_id}", classes="ai-draft", compact=True)


def draft_into(
    screen: Screen,
    ws: Workspace,
    table: LeadTable,
    field: Input,
    kind: str,
    hide: frozenset[str] = frozenset(),
) -> None:
    """Open the drafter; what the user keeps replaces the field's text."""

    def done(expression: str | None) -> None:
        if expression is not None:
            field.value = expression
            field.focus()

    screen.app.push_screen(DraftScreen(ws, table, kind, field.value, hide=hide), done)


class DraftScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    DraftScreen { align: center middle; }
    DraftScreen > Vertical { width: 90; max-width: 100%; height: auto;
                             border: round $accent; background: $panel; padding: 0 1; }
    DraftScreen .row { height: auto; }
    DraftScreen .row > Label { width: 18; padding: 0 1 0 0; }
    DraftScreen .row > Input { width: 1fr; }
    DraftScreen #draft-cost { color: $text-muted; }
    DraftScreen #draft-problem { color: $error; }
    DraftScreen #draft-buttons { height: auto; margin: 1 0 0 0; }
    DraftScreen #draft-buttons Button { margin: 0 2 0 0; }
    DraftScreen .hidden { display: none; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    class Drafted(Message):
        def __init__(self, draft: Draft | None, error: str | None) -> None:
            self.draft, self.error = draft, error
            super().__init__()

    class Checked(Message):
        def __init__(self, text: str, problem: str | None, matches: int | None, preview: list):
            self.text, self.problem, self.matches, self.preview = text, problem, matches, preview
            super().__init__()

    def __init__(
        self,
        ws: Workspace,
        table: LeadTable,
        kind: str = "condition",
        current: str = "",
        *,
        hide: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.ws, self.table, self.kind, self.hide = ws, table, kind, hide
        self.current = current
        self.busy = False

    def compose(self) -> ComposeResult:
        try:
            cost = drafting.draft_cost(self.ws).label()
        except ClayError as exc:
            cost = str(exc)
        with Vertical() as box:
            box.border_title = f"Write a {self.kind} with AI"
            box.border_subtitle = "Enter drafts, Enter again keeps it · Esc cancels"
            with Horizontal(classes="row"):
                yield Label("Describe it")
                yield InertInput(id="draft-words", placeholder=EXAMPLES[self.kind], compact=True)
                yield Button("Draft", id="draft-go", compact=True)
            yield Static(plain(cost), id="draft-cost")
            with Horizontal(classes="row"):
                yield Label(self.kind.capitalize())
                yield InertInput(self.current, id="draft-expr", compact=True)
            yield Static("", id="draft-status")
            yield Static("", id="draft-why")
            yield Static("", id="draft-problem")
            with Horizontal(id="draft-buttons"):
                yield Button("Use it", id="draft-use", variant="primary", compact=True)
                yield Button("Cancel", id="draft-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#draft-words", Input).focus()
        if self.current.strip():
            self._check(self.current)

    # ------------------------------------------------------------ drafting
    @on(Button.Pressed, "#draft-go")
    @on(Input.Submitted, "#draft-words")
    def _ask(self) -> None:
        words = self.query_one("#draft-words", Input).value
        if self.busy:
            return
        if not words.strip():
            self._say(problem=f"Describe the {self.kind} in words first.")
            return
        self.busy = True
        self.query_one("#draft-status", Static).update("Drafting…")
        self._draft(words)

    @work(exclusive=True, group="draft")
    async def _draft(self, words: str) -> None:
        try:
            draft = await drafting.draft_async(
                self.ws, self.table, words, self.kind, hide=self.hide
            )
        except ClayError as exc:
            self.post_message(self.Drafted(None, str(exc)))
            return
        self.post_message(self.Drafted(draft, None))

    def on_draft_screen_drafted(self, message: Drafted) -> None:
        self.busy = False
        draft = message.draft
        if draft is None:
            self._say(status="", problem=message.error)
            return
        field = self.query_one("#draft-expr", Input)
        with field.prevent(Input.Changed):
            field.value = draft.expression
        paid = (
            "A stored draft: no charge."
            if draft.cached
            else f"Charged {draft.credits} credit{'s' if draft.credits != 1 else ''}."
            if draft.problem is None
            else "Not charged."
        )
        self.query_one("#draft-why", Static).update(
            plain_lines(f"Why: {draft.explanation}" if draft.explanation else "")
        )
        self._say(
            status=f"{self._count(draft.matches, draft.preview)} {paid}".strip(),
            problem=draft.problem,
        )
        field.focus()  # next: edit it, Enter keeps it

    # ------------------------------------------------------------ editing
    @on(Input.Changed, "#draft-expr")
    def _edited(self, event: Input.Changed) -> None:
        self._check(event.value)

    @work(thread=True, exclusive=True, group="check")
    def _check(self, text: str) -> None:
        problem, matches, preview = drafting.check_draft(self.table, self.kind, text)
        self.post_message(self.Checked(text, problem, matches, preview))

    def on_draft_screen_checked(self, message: Checked) -> None:
        if message.text != self.query_one("#draft-expr", Input).value:
            return  # an answer for text already changed again
        self._say(status=self._count(message.matches, message.preview), problem=message.problem)

    def _count(self, matches: int | None, preview: list) -> str:
        if matches is not None:
            return f"Matches {matches:,} of {self.table.row_count:,} rows."
        if preview:
            return "First values: " + ", ".join(str(v) for v in preview)
        return ""

    def _say(self, *, status: str | None = None, problem: str | None = None) -> None:
        if status is not None:
            self.query_one("#draft-status", Static).update(plain_lines(status))
        widget = self.query_one("#draft-problem", Static)
        widget.update(plain_lines(problem or ""))
        self.query_one("#draft-use", Button).disabled = bool(problem) or not (
            self.query_one("#draft-expr", Input).value.strip()
        )

    # ------------------------------------------------------------ answers
    @on(Button.Pressed, "#draft-use")
    @on(Input.Submitted, "#draft-expr")
    def _use(self) -> None:
        text = self.query_one("#draft-expr", Input).value.strip()
        problem = drafting.check_draft(self.table, self.kind, text)[0] if text else None
        if not text or problem:
            self._say(problem=problem or f"The {self.kind} is empty.")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#draft-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
