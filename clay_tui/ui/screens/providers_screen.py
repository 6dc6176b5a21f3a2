"""Providers & keys: see each provider's mode and billing, connect your own key.

A key pasted here goes into this process's environment and is saved in the OS keyring, or
a 0600 key file where there is none (``services.providers``); the Input is cleared as soon
as it is used, and nothing is written to the workspace. The next
run reads the new settings. "Test key" makes one real call, so it lives in a worker that
posts its one-sentence answer back.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from clay_tui.errors import ClayError
from clay_tui.services import providers as svc
from clay_tui.table.inert import inert
from clay_tui.ui.guards import guarded
from clay_tui.ui.plain import plain_lines
from clay_tui.workspace import Workspace

COLUMNS = ("provider", "mode", "billing", "key", "endpoint", "last error")


def _mode_cell(s: svc.ProviderStatus) -> Text:
    return Text("live", style="bold green") if s.mode == "live" else Text("sandbox", style="yellow")


def _billing_cell(s: svc.ProviderStatus) -> Text:
    return Text(s.billing, style="green" if s.own_key else "")


def _key_cell(s: svc.ProviderStatus) -> Text:
    if not s.api_key_env:
        return Text("none needed", style="dim")
    if s.key_set:
        return Text(s.key_label + (", connected" if s.connected else ""), style="green")
    return Text(s.key_label, style="dim")


def _endpoint(s: svc.ProviderStatus) -> str:
    if s.mode == "sandbox":
        return "bundled sandbox"
    return s.base_url or "(no base_url)"


class ProvidersScreen(Screen[None]):
    DEFAULT_CSS = """
    ProvidersScreen { layout: vertical; }
    ProvidersScreen #pk-title { dock: top; height: 1; background: $primary; color: $text;
                                text-style: bold; padding: 0 1; }
    ProvidersScreen #pk-hint { dock: bottom; height: 1; color: $text-muted; padding: 0 1; }
    ProvidersScreen #pk-table { height: auto; max-height: 8; }
    ProvidersScreen #pk-connect { height: auto; border: round $accent; padding: 0 1;
                                  margin: 1 0 0 0; }
    ProvidersScreen #pk-key-row, ProvidersScreen #pk-options, ProvidersScreen #pk-buttons {
        height: auto; }
    ProvidersScreen #pk-key-row > Static { width: auto; padding: 1 1 0 0; }
    ProvidersScreen #pk-key { width: 1fr; }
    ProvidersScreen #pk-options Checkbox { width: auto; margin: 0 2 0 0; }
    ProvidersScreen #pk-buttons Button { margin: 0 1 0 0; }
    ProvidersScreen #pk-detail { height: auto; padding: 0 1; margin: 1 0 0 0; }
    ProvidersScreen #pk-result { height: auto; }
    ProvidersScreen #pk-result.-error { color: $error; }
    ProvidersScreen #pk-result.-ok { color: $success; }
    ProvidersScreen #pk-notes { height: auto; color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+t", "test_key", "Test key", show=False),
        Binding("ctrl+r", "reload", "Refresh", show=False),
    ]

    class KeyChecked(Message):
        """A key check finished (posted by the worker; the screen shows it)."""

        def __init__(self, provider: str, text: str, error: bool) -> None:
            self.provider = provider
            self.text = text
            self.error = error
            super().__init__()

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.statuses: list[svc.ProviderStatus] = []
        self.provider: str | None = None  # the selected row's provider

    def compose(self) -> ComposeResult:
        yield Static("Providers & keys", id="pk-title")
        with VerticalScroll(id="pk-body"):
            yield DataTable(id="pk-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="pk-detail")
            with Vertical(id="pk-connect"):
                with Horizontal(id="pk-key-row"):
                    yield Static("API key", id="pk-key-label")
                    yield Input(password=True, id="pk-key", placeholder="paste your API key")
                with Horizontal(id="pk-options"):
                    yield Checkbox("my own key (no clay-tui credits)", True, id="pk-own")
                    yield Checkbox("live (call the real API, not the sandbox)", True, id="pk-live")
                with Horizontal(id="pk-buttons"):
                    yield Button("Connect", id="pk-do-connect", variant="primary")
                    yield Button("Test key", id="pk-do-test")
                    yield Button("Disconnect", id="pk-do-disconnect")
                yield Static("", id="pk-result")
            yield Static("", id="pk-notes")
        yield Static(
            "Esc close · ↑↓ provider · Enter connect · ctrl+t test key · keys are saved in the "
            f"{svc.key_store_short()}",
            id="pk-hint",
        )

    def on_mount(self) -> None:
        table = self.query_one("#pk-table", DataTable)
        table.add_columns(*COLUMNS)
        self.reload()
        table.focus()

    # ------------------------------------------------------------ data
    def action_reload(self) -> None:
        self.reload()

    @guarded
    def reload(self) -> None:
        try:
            self.statuses = svc.provider_overview(self.ws)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        table = self.query_one("#pk-table", DataTable)
        row = table.cursor_row
        table.clear()
        for s in self.statuses:
            table.add_row(
                s.display_name,
                _mode_cell(s),
                _billing_cell(s),
                _key_cell(s),
                _endpoint(s),
                Text(inert(s.last_error or ""), style="red"),
                key=s.name,
            )
        if self.statuses:
            table.move_cursor(row=min(max(row, 0), len(self.statuses) - 1))
            self._select(self.statuses[table.cursor_row].name)

    def _status(self) -> svc.ProviderStatus | None:
        return next((s for s in self.statuses if s.name == self.provider), None)

    def _select(self, name: str) -> None:
        self.provider = name
        s = self._status()
        if s is None:
            return
        box = self.query_one("#pk-connect")
        box.border_title = f"Connect a {s.display_name} key"
        self.query_one("#pk-key", Input).placeholder = f"paste your {s.display_name} API key"
        self.query_one("#pk-do-disconnect", Button).disabled = not s.connected
        self.query_one("#pk-detail", Static).update(self._detail(s))
        self.query_one("#pk-notes", Static).update(self._notes(s))

    @staticmethod
    def _detail(s: svc.ProviderStatus) -> Text:
        text = Text()
        text.append(f"{s.display_name}", style="bold")
        text.append(
            f"  credits per call: {s.credits_label}"
            f"{' (charged even when nothing is found)' if s.charge_on_no_data else ''}"
            f" · rate {s.rate_label} · {s.concurrency} at once · timeout "
            f"{s.timeout_s:g} s"
        )
        if s.last_error_at:
            text.append(
                f"\nlast error {s.last_error_at[:16].replace('T', ' ')}: "
                f"{inert(s.last_error or '')}",
                style="red",
            )
        return text

    def _notes(self, s: svc.ProviderStatus) -> str:
        env = s.api_key_env or f"{s.name.upper()}_API_KEY"
        check = svc.CHECK_CALLS.get(s.name, "one small call")
        return (
            f"Calls on your own key cost no clay-tui credits; the provider bills your account.\n"
            f"A key connected here is saved in the {svc.key_store_label()} for later "
            f"sessions (an exported {env} wins over it); it is never written to the "
            f"workspace, an export or a log. Disconnect forgets it.\n"
            f"Live and own key apply to this session; to keep them, in config.toml set "
            f'[providers.{s.name}] mode = "live" and own_key = true.\n'
            f"Test key makes one real call: {check}. It costs no clay-tui credits but may use "
            f"a little of your {s.display_name} quota."
        )

    @on(DataTable.RowHighlighted, "#pk-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._select(str(event.row_key.value))

    @on(DataTable.RowSelected, "#pk-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#pk-key", Input).focus()

    # ------------------------------------------------------------ results
    def _say(self, text: str, *, error: bool = False) -> None:
        result = self.query_one("#pk-result", Static)
        result.update(plain_lines(text))  # provider answers are data, never markup
        result.set_class(error, "-error")
        result.set_class(not error, "-ok")

    # ------------------------------------------------------------ actions
    @on(Input.Submitted, "#pk-key")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.connect()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "pk-do-connect":
            self.connect()
        elif event.button.id == "pk-do-test":
            self.action_test_key()
        elif event.button.id == "pk-do-disconnect":
            self.disconnect()

    def connect(self) -> None:
        if self.provider is None:
            return
        key_input = self.query_one("#pk-key", Input)
        own = self.query_one("#pk-own", Checkbox).value
        live = self.query_one("#pk-live", Checkbox).value
        try:
            s = svc.connect_key(self.ws, self.provider, key_input.value, own_key=own, live=live)
        except ClayError as exc:
            self._say(str(exc), error=True)
            self.notify(str(exc), severity="error", timeout=6)
            return
        finally:
            key_input.value = ""  # the key never stays in a widget
        where = "live" if s.mode == "live" else "sandbox mode"
        billing = "own key, no clay-tui credits" if s.own_key else "charged in clay-tui credits"
        saved = {
            "keyring": "saved in the OS keyring",
            "file": "saved in the key file (no OS keyring here)",
        }.get(s.key_source or "", "not saved")
        self._say(
            f"{s.display_name} connected ({where}, {billing}; key {saved}); the next run uses it."
        )
        self.reload()

    def disconnect(self) -> None:
        if self.provider is None:
            return
        try:
            s = svc.disconnect(self.ws, self.provider)
        except ClayError as exc:
            self._say(str(exc), error=True)
            return
        self._say(f"{s.display_name} is back to config.toml's settings ({s.mode}, {s.billing}).")
        self.reload()

    def action_test_key(self) -> None:
        if self.provider is None:
            return
        s = self._status()
        name = s.display_name if s else self.provider
        self._say(f"Testing the {name} key with one call…")
        self.run_worker(self._check(self.provider), exclusive=True, group="key-check")

    async def _check(self, provider: str) -> None:
        try:
            ok, text = await svc.check_key_result(self.ws, provider)
        except ClayError as exc:
            self.post_message(self.KeyChecked(provider, str(exc), True))
            return
        self.post_message(self.KeyChecked(provider, text, not ok))

    def on_providers_screen_key_checked(self, event: ProvidersScreen.KeyChecked) -> None:
        self._say(event.text, error=event.error)
        if event.error:
            self.notify(event.text, severity="error", timeout=6)
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
