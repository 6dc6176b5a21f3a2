"""New table from a search: people matching filters become a table (free of clay-tui credits).

"Count" fetches the first page, which says how many people match and how many pages that
is; "Build table" pages through them with a progress bar, each page committed as it
arrives; "Stop" starts no new page and keeps what arrived. The work runs in async workers
that post messages; the handlers here change the widgets.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, ProgressBar, Static

from clay_tui.errors import ClayError
from clay_tui.providers.prospeo_search import PersonSearch
from clay_tui.services import find_people as svc
from clay_tui.workspace import Workspace

FIELDS = (  # (input id, label, placeholder)
    ("ns-title", "Title", "e.g. VP of Sales (comma-separated for several)"),
    ("ns-seniority", "Seniority", "e.g. Vice President, Director"),
    ("ns-department", "Department", "e.g. Sales"),
    ("ns-country", "Country", "e.g. United States"),
    ("ns-size", "Company size", "employees, e.g. 51-200"),
    ("ns-industry", "Industry", "e.g. Software Development"),
    ("ns-domain", "Company domain", "e.g. acme.com"),
    ("ns-limit", "Limit", "at most this many people (empty: all, up to 25,000)"),
    ("ns-into", "Into table", "a new table's name, or an existing table to add to"),
)


class NewTableSearchScreen(Screen[str | None]):
    """Dismisses with the name of the table built (or added to), or None."""

    DEFAULT_CSS = """
    NewTableSearchScreen { layout: vertical; }
    NewTableSearchScreen #ns-head { dock: top; height: 1; background: $primary; color: $text;
                                    text-style: bold; padding: 0 1; }
    NewTableSearchScreen #ns-hint { dock: bottom; height: 1; color: $text-muted; padding: 0 1; }
    NewTableSearchScreen .ns-row { height: auto; }
    NewTableSearchScreen .ns-row > Static { width: 18; padding: 1 1 0 0; }
    NewTableSearchScreen .ns-row > Input { width: 1fr; }
    NewTableSearchScreen #ns-buttons { height: auto; margin: 1 0 0 18; }
    NewTableSearchScreen #ns-buttons Button { margin: 0 1 0 0; }
    NewTableSearchScreen #ns-plan, NewTableSearchScreen #ns-done { height: auto;
                                                                   margin: 1 0 0 18; }
    NewTableSearchScreen #ns-progress { margin: 1 0 0 18; }
    """

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    class Counted(Message):
        def __init__(self, plan: svc.SearchPlan | None, error: str | None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    class Paged(Message):
        def __init__(self, progress: svc.Progress) -> None:
            super().__init__()
            self.progress = svc.Progress(**progress.__dict__)

    class Built(Message):
        def __init__(self, result: svc.BuildResult | None, error: str | None) -> None:
            super().__init__()
            self.result, self.error = result, error

    def __init__(self, ws: Workspace, *, into: str = "people") -> None:
        super().__init__()
        self.ws = ws
        self._into = into
        self.session: svc.PeopleSearch | None = None
        self.plan: svc.SearchPlan | None = None
        self.result: svc.BuildResult | None = None
        self.running = False
        self._stop = False

    def compose(self) -> ComposeResult:
        yield Static("New table from a search", id="ns-head")
        with VerticalScroll(id="ns-body"):
            for ident, label, hint in FIELDS:
                with Horizontal(classes="ns-row"):
                    yield Static(label)
                    yield Input(
                        self._into if ident == "ns-into" else "", placeholder=hint, id=ident
                    )
            with Horizontal(id="ns-buttons"):
                yield Button("Count", id="ns-count", variant="primary")
                yield Button("Build table", id="ns-build", variant="success", disabled=True)
                yield Button("Stop", id="ns-stop", variant="error", disabled=True)
            yield Static(Text(svc.BILLING), id="ns-plan")
            yield ProgressBar(total=1, id="ns-progress", show_eta=False)
            yield Static("", id="ns-done")
        yield Static(
            "Esc close · Enter count · people from Prospeo's search (the sandbox by default)",
            id="ns-hint",
        )

    def on_mount(self) -> None:
        self.query_one("#ns-title", Input).focus()

    # ------------------------------------------------------------ the form
    def _values(self, ident: str) -> tuple[str, ...]:
        text = self.query_one(f"#{ident}", Input).value
        return tuple(v.strip() for v in text.split(",") if v.strip())

    def search(self) -> PersonSearch:
        return PersonSearch(
            *(
                self._values(i)
                for i in (
                    "ns-title",
                    "ns-seniority",
                    "ns-department",
                    "ns-country",
                    "ns-size",
                    "ns-industry",
                    "ns-domain",
                )
            )
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in ("ns-into",) and not self.running and self.plan is not None:
            self.plan = None  # the count was for other filters
            self.query_one("#ns-build", Button).disabled = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.running:
            self.count()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ns-count":
            self.count()
        elif event.button.id == "ns-build":
            self.build()
        elif event.button.id == "ns-stop":
            self._stop = True
            event.button.disabled = True

    def count(self) -> None:
        if self.running:
            return
        try:
            search = self.search()
            search.filters()
            limit = svc.parse_limit(self.query_one("#ns-limit", Input).value)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.running = True
        self.query_one("#ns-plan", Static).update("Counting…")
        self._count(search, limit)

    def build(self) -> None:
        if self.running or self.plan is None or self.session is None:
            return
        into = self.query_one("#ns-into", Input).value
        self.running, self._stop = True, False
        self.query_one("#ns-build", Button).disabled = True
        self.query_one("#ns-count", Button).disabled = True
        self.query_one("#ns-stop", Button).disabled = False
        self.query_one("#ns-progress", ProgressBar).update(total=self.plan.pages, progress=0)
        self._build(self.plan, into)

    # ------------------------------------------------------------ workers (post only)
    @work(exclusive=True, group="search")
    async def _count(self, search: PersonSearch, limit: int | None) -> None:
        await self._close_session()
        session = svc.PeopleSearch(self.ws, search, limit=limit)
        self.session = session
        try:
            plan = await session.plan()
        except ClayError as exc:
            self.post_message(self.Counted(None, str(exc)))
            return
        self.post_message(self.Counted(plan, None))

    @work(exclusive=True, group="search")
    async def _build(self, plan: svc.SearchPlan, into: str) -> None:
        assert self.session is not None
        try:
            result = await self.session.build(
                plan,
                into,
                on_progress=lambda p: self.post_message(self.Paged(p)),
                stop=lambda: self._stop,
            )
        except ClayError as exc:
            self.post_message(self.Built(None, str(exc)))
            return
        self.post_message(self.Built(result, None))

    async def _close_session(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            await session.__aexit__(None, None, None)

    # ------------------------------------------------------------ what the workers said
    def on_new_table_search_screen_counted(self, message: Counted) -> None:
        self.running = False
        text = self.query_one("#ns-plan", Static)
        if message.plan is None:
            text.update(Text(svc.BILLING))
            self.notify(message.error or "The search failed.", severity="error", timeout=8)
            return
        self.plan = message.plan
        text.update(Text(message.plan.sentence()))
        self.query_one("#ns-build", Button).disabled = message.plan.pages == 0

    def on_new_table_search_screen_paged(self, message: Paged) -> None:
        p = message.progress
        self.query_one("#ns-progress", ProgressBar).update(total=p.pages, progress=p.pages_done)
        self.query_one("#ns-done", Static).update(
            Text(
                f"Page {p.pages_done:,} of {p.pages:,}: {p.added:,} people added"
                + (f", {p.duplicates:,} already there" if p.duplicates else "")
            )
        )

    def on_new_table_search_screen_built(self, message: Built) -> None:
        self.running = False
        self.query_one("#ns-stop", Button).disabled = True
        self.query_one("#ns-count", Button).disabled = False
        if message.result is None:
            self.notify(message.error or "The table could not be built.", severity="error")
            return
        self.result = message.result
        lines = message.result.lines()
        self.query_one("#ns-done", Static).update(Text(" ".join(lines)))
        self.notify(" ".join(lines), severity="warning" if message.result.error else "information")

    async def on_unmount(self) -> None:
        await self._close_session()

    def action_close(self) -> None:
        if self.running:
            self._stop = True  # stop paging; what arrived is kept
            self.notify("Stopping: the pages that arrived are kept.", timeout=4)
            return
        self.dismiss(self.result.table if self.result is not None else None)
