"""The Textual app: one TableScreen, app-wide keys, the command palette.

``ClayApp(ws, table)`` shows an already-open table; ``ClayApp(ws, target=...)``
opens one (a file path, a table name, or None for the sample leads) in a
worker so the first paint never waits for a big file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import events, widgets
from textual.app import App
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input

from clay_tui.errors import ClayError, failure_sentence
from clay_tui.table.inert import inert, inert_lines
from clay_tui.ui.commands import ClayCommands
from clay_tui.ui.guards import MachineFailed
from clay_tui.ui.keymap import bindings_for
from clay_tui.ui.screens.table_screen import TableScreen

if TYPE_CHECKING:
    from textual.actions import ActionParseResult
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace


def _no_text() -> tuple[type[Widget], ...]:
    """Focused widgets that take no typed text: a letter typed on them belongs in the form's
    field. (Looked up when a form has a key: the table screen needs none of these modules.)"""
    return (
        widgets.DataTable,
        widgets.Button,
        widgets.Checkbox,
        widgets.RadioButton,
        widgets.Static,
    )


def typing_target(screen: object, focused: Widget | None) -> Input | None:
    """The focus rule for every form: the field a printable key typed on ``screen`` goes to
    when the focus is elsewhere (a list, a button), or None (the key stays a command).

    The table screen is no form: its letters are commands and its prompt opens on demand.
    """
    if isinstance(screen, TableScreen) or isinstance(focused, (Input, widgets.TextArea)):
        return None
    if focused is not None and not isinstance(focused, _no_text()):
        return None  # a list, a select, a radio set: typing there means something of its own
    for field in screen.query(Input):  # type: ignore[attr-defined]
        if field.display and field.visible and not field.disabled:
            return field
    return None


class ClayApp(App[None]):
    TITLE = "clay-tui"
    CSS_PATH = "app.tcss"
    BINDINGS = bindings_for("app")
    COMMANDS = App.COMMANDS | {ClayCommands}

    def __init__(
        self, ws: Workspace, table: LeadTable | None = None, *, target: str | None = None
    ) -> None:
        super().__init__()
        self.ws = ws
        self._initial = (table, target)
        self._table_screen: TableScreen | None = None
        self._quitting = False  # keys typed after q must not open screens on a closing app
        self.fatal_error: str | None = None  # a damaged workspace / full disk: said on exit

    def on_machine_failed(self, message: MachineFailed) -> None:
        """A damaged workspace.db or a full disk ends the app with one sentence (printed by
        ``clay-tui open`` after the terminal is restored), never a traceback."""
        self.end_with(message.error)

    def end_with(self, error: Exception) -> bool:
        """End the app with ``error``'s one sentence if it is a failure of the machine;
        False (the app goes on) for anything else."""
        sentence = failure_sentence(error, self.ws.root)
        if sentence is None:
            return False
        if self.fatal_error is None:  # the first one is the one said
            self.fatal_error = sentence
            self.exit(return_code=2)
        return True

    def on_mount(self) -> None:
        table, target = self._initial
        self._table_screen = TableScreen(self.ws, table, target)
        self.push_screen(self._table_screen)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text: they carry column, table and file names, search
        and filter texts and provider errors, which are never markup (``[/]`` used to crash
        the app) and never reach the terminal as escape codes. ``markup`` is ignored."""
        super().notify(
            inert_lines(str(message)),
            title=inert(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @property
    def table_screen(self) -> TableScreen | None:
        return self._table_screen

    @property
    def load_error(self) -> str | None:
        """Why the table could not be opened (the app exits with code 2)."""
        screen = self._table_screen
        return screen.load_error if screen is not None else None

    @property
    def table(self) -> LeadTable | None:
        screen = self.table_screen
        return screen.table if screen is not None else None

    # ------------------------------------------------------------ app-wide actions
    def action_help(self) -> None:
        # imported when first needed: start-up
        from clay_tui.ui.screens.help_screen import HelpScreen

        if not self._quitting and not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _push(self, screen_cls: type[Screen[Any]], *args: object) -> None:
        """Push ``screen_cls(*args)`` unless the app is closing or it is already on top."""
        if self._quitting or isinstance(self.screen, screen_cls):
            return
        try:
            self.push_screen(screen_cls(*args))
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)

    # (each screen is imported when first opened: start-up)
    def action_plans_billing(self) -> None:
        from clay_tui.ui.screens.plans_billing_screen import PlansBillingScreen

        self._push(PlansBillingScreen, self.ws)

    def action_providers(self) -> None:
        from clay_tui.ui.screens.providers_screen import ProvidersScreen

        self._push(ProvidersScreen, self.ws)

    def action_new_table_search(self) -> None:
        from clay_tui.ui.screens.new_table_search_screen import NewTableSearchScreen

        self._push(NewTableSearchScreen, self.ws)

    def action_credit_usage(self) -> None:
        from clay_tui.ui.screens.credit_usage_screen import CreditUsageScreen

        table = self.table
        self._push(CreditUsageScreen, self.ws, table.id if table is not None else None)

    def action_credits_popover(self) -> None:
        """The small credits summary (a click on the status bar's credits)."""
        from clay_tui.ui.screens.credits_popover import CreditsPopover

        if self._quitting or isinstance(self.screen, CreditsPopover):
            return
        table = self.table

        def chosen(action: str | None) -> None:
            if action:
                self.call_later(self.run_action, action)

        self.push_screen(
            CreditsPopover(self.ws, table.id if table else None, table.name if table else None),
            chosen,
        )

    async def action_quit(self) -> None:
        """Save (if anything changed) and leave."""
        self._quitting = True
        screen = self.table_screen
        if screen is not None:
            await screen.stop_runs_and_wait()  # a run records what it did before we leave
        self.save_all()
        self.exit()

    def save_all(self) -> None:
        screen = self.table_screen
        if screen is None:
            return
        try:
            screen.save_now()
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)

    async def on_event(self, event: events.Event) -> None:
        # The focus rule: on a form, a printable key goes to its first field, never to an app
        # shortcut (u, k, b, q...) or a list; the field keeps the focus for what follows.
        if isinstance(event, events.Key) and not event.is_forwarded and self._typed(event):
            field = typing_target(self.screen, self.focused)
            if field is not None:
                keep = field.select_on_focus
                field.select_on_focus = False  # else focusing selects what is there
                self.screen.set_focus(field)
                field.select_on_focus = keep
                field.cursor_position = len(field.value)
        await super().on_event(event)

    @staticmethod
    def _typed(event: events.Key) -> bool:
        char = event.character
        return bool(char) and event.is_printable and not char.isspace()  # type: ignore[union-attr]

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # Every key, palette entry and click runs through here: a user mistake that an action
        # did not catch still becomes one sentence, and the app keeps running.
        # A damaged database or a full disk met by an action ends the app with one sentence.
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return True
        except Exception as exc:
            if not self.end_with(exc):
                raise
            return True
