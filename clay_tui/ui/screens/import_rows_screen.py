"""Add rows from a file (table menu > Add rows from a file…): ``import FILE --into TABLE
--key COLUMN`` as a small form. New rows are appended, changed cells of matching rows
updated (one undo step); auto-update, if on, then runs exactly those rows. Dismisses with
the ``ImportResult`` or None when cancelled; a mistake is one sentence under the form.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from clay_tui.errors import ClayError
from clay_tui.services import imports

if TYPE_CHECKING:
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

KEY_GUESSES = ("email", "linkedin_url", "id", "domain", "company_domain")


class ImportRowsScreen(ModalScreen["imports.ImportResult | None"]):
    DEFAULT_CSS = """
    ImportRowsScreen { align: center middle; }
    ImportRowsScreen > Vertical { width: 76; max-width: 100%; height: auto;
                                  border: round $accent; background: $panel; padding: 0 1; }
    ImportRowsScreen .row { height: auto; }
    ImportRowsScreen .row > Label { width: 14; padding: 0 1 0 0; }
    ImportRowsScreen .row > Input { width: 1fr; }
    ImportRowsScreen #imp-help { color: $text-muted; }
    ImportRowsScreen #imp-error { color: $error; }
    ImportRowsScreen #imp-buttons { height: auto; margin: 1 0 0 0; }
    ImportRowsScreen #imp-buttons Button { margin: 0 2 0 0; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    class Done(Message):
        """The worker's answer: the result, or one sentence saying what is wrong."""

        def __init__(self, result: imports.ImportResult | None, error: str | None) -> None:
            self.result, self.error = result, error
            super().__init__()

    def __init__(self, ws: Workspace, table: LeadTable) -> None:
        super().__init__()
        self.ws, self.table = ws, table

    def compose(self) -> ComposeResult:
        columns = [c for c in self.table.columns]
        key = next((c for c in KEY_GUESSES if c in columns), "")
        with Vertical() as box:
            box.border_title = f"Add rows to {self.table.name} from a file"
            box.border_subtitle = "Esc cancels"
            with Horizontal(classes="row"):
                yield Label("File")
                yield Input(
                    id="imp-file", compact=True, placeholder="path to a CSV, XLSX or Parquet file"
                )
            with Horizontal(classes="row"):
                yield Label("Match on")
                yield Input(
                    key,
                    id="imp-key",
                    compact=True,
                    placeholder="the key column",
                    suggester=SuggestFromList(columns, case_sensitive=False),
                )
            yield Static(
                "New keys are added as rows; rows whose key matches get the file's "
                "changed cells (blank cells never clear one). One undo (ctrl+z) "
                "takes it all back.",
                id="imp-help",
            )
            yield Static("", id="imp-error")
            with Horizontal(id="imp-buttons"):
                yield Button("Add rows", id="imp-go", variant="primary", compact=True)
                yield Button("Cancel", id="imp-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#imp-file", Input).focus()

    @on(Button.Pressed, "#imp-go")
    @on(Input.Submitted)
    def go(self) -> None:
        path = self.query_one("#imp-file", Input).value.strip()
        key = self.query_one("#imp-key", Input).value.strip()
        error = (
            "Give the file to add rows from."
            if not path
            else "Give the column that matches the file's rows to the table's."
            if not key
            else None
        )
        if error is not None:
            self.query_one("#imp-error", Static).update(error)
            return
        if self.query_one("#imp-go", Button).disabled:
            return  # already at work
        self.query_one("#imp-go", Button).disabled = True
        self.query_one("#imp-error", Static).update("Reading the file…")
        self._import(Path(path).expanduser(), key)

    @work(thread=True, exclusive=True, group="import-rows")
    def _import(self, path: Path, key: str) -> None:
        try:
            result = imports.import_into(self.ws, self.table, path, key)
        except ClayError as exc:
            self.post_message(self.Done(None, str(exc)))
        except OSError as exc:
            self.post_message(self.Done(None, f"{path} cannot be read: {exc.strerror or exc}."))
        else:
            self.post_message(self.Done(result, None))

    def on_import_rows_screen_done(self, message: Done) -> None:
        if message.result is not None:
            self.dismiss(message.result)
            return
        self.query_one("#imp-go", Button).disabled = False
        self.query_one("#imp-error", Static).update(message.error or "")

    @on(Button.Pressed, "#imp-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
