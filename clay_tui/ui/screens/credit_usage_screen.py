"""Credit usage: where credits went, for this table or the whole workspace.

Group by column, provider, day, run, member (or table, workspace-wide), narrow to a date range,
read it as a table and a bar chart, export it as CSV. The same ``usage_report`` the
``clay-tui usage`` verb prints.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static, Tab, Tabs

from clay_tui.errors import ClayError
from clay_tui.services import credits as svc
from clay_tui.ui.credits_watch import CreditsChanged, CreditsWatch
from clay_tui.ui.guards import guarded
from clay_tui.ui.plain import inert, markup_safe, plain
from clay_tui.ui.widgets.credit_bar_chart import CreditBarChart
from clay_tui.workspace import Workspace

GROUPS = ("column", "provider", "day", "run", "member", "table")


class CreditUsageScreen(Screen[None]):
    DEFAULT_CSS = """
    CreditUsageScreen { layout: vertical; }
    CreditUsageScreen #cu-title { dock: top; height: 1; background: $primary; color: $text;
                                  text-style: bold; padding: 0 1; }
    CreditUsageScreen #cu-hint { dock: bottom; height: 1; color: $text-muted; padding: 0 1; }
    CreditUsageScreen #cu-controls, CreditUsageScreen #cu-export-row { height: auto; }
    CreditUsageScreen #cu-controls > Static, CreditUsageScreen #cu-export-row > Static {
        width: auto; padding: 1 1 0 1; }
    CreditUsageScreen #cu-since, CreditUsageScreen #cu-until { width: 16; }
    CreditUsageScreen #cu-path { width: 1fr; }
    CreditUsageScreen Input.-invalid { border: tall $error; }
    CreditUsageScreen #cu-summary { padding: 0 1; margin: 1 0 0 0; }
    CreditUsageScreen #cu-body { height: auto; }
    CreditUsageScreen #cu-table { width: 1fr; height: auto; max-height: 16; }
    CreditUsageScreen #cu-chart { width: 1fr; border: round $accent; margin: 0 0 0 1; }
    CreditUsageScreen Button { margin: 0 1 0 0; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+s", "toggle_scope", "This table / workspace", show=False),
        Binding("ctrl+e", "export", "Export CSV", show=False),
    ]

    def __init__(self, ws: Workspace, table_id: int | None) -> None:
        super().__init__()
        self.ws = ws
        self.table_id = table_id
        self.scope_table = table_id is not None  # start on this table when there is one
        self.by = "column"
        self.since = None
        self.until = None
        self.report: svc.UsageReport | None = None
        self._credits_watch = CreditsWatch(self, ws)

    def compose(self) -> ComposeResult:
        yield Static("Credit usage", id="cu-title")
        with VerticalScroll(id="cu-scroll"):
            with Horizontal(id="cu-controls"):
                yield Button(
                    plain(self._scope_label()), id="cu-scope", disabled=self.table_id is None
                )
                yield Static("from")
                yield Input(placeholder="YYYY-MM-DD", id="cu-since")
                yield Static("to")
                yield Input(placeholder="YYYY-MM-DD", id="cu-until")
            yield Tabs(*(Tab(f"By {g}", id=f"by-{g}") for g in GROUPS), id="cu-by")
            yield Static("", id="cu-summary")
            with Horizontal(id="cu-body"):
                yield DataTable(id="cu-table", cursor_type="row", zebra_stripes=True)
                chart = CreditBarChart(id="cu-chart")
                chart.border_title = "Net credits"
                yield chart
            with Horizontal(id="cu-export-row"):
                yield Static("Export CSV to")
                yield Input(value="credit-usage.csv", id="cu-path")
                yield Button("Export", id="cu-export")
        yield Static(
            "Esc close · Ctrl+S this table / workspace · Tab to the tabs, ←/→ group by · "
            "Ctrl+E export · dates UTC, inclusive",
            id="cu-hint",
        )

    def on_mount(self) -> None:
        self.query_one("#cu-table", DataTable).add_columns(
            self.by.capitalize(), "spent", "refunded", "net", "charges"
        )
        self._credits_watch.start()
        self.reload()

    def on_unmount(self) -> None:
        self._credits_watch.stop()

    # ------------------------------------------------------------ data
    def _table_name(self) -> str:
        return "" if self.table_id is None else svc.table_label(self.ws, self.table_id)

    def _scope_label(self) -> str:
        if self.scope_table:
            return f"This table: {self._table_name()}"
        return "Whole workspace"

    def on_credits_changed(self, event: CreditsChanged) -> None:
        event.watch.taken()
        self.reload()

    @guarded
    def reload(self) -> None:
        try:
            report = svc.usage_report(
                self.ws,
                self.by,
                table_id=self.table_id if self.scope_table else None,
                since=self.since,
                until=self.until,
            )
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.report = report
        table = self.query_one("#cu-table", DataTable)
        table.clear(columns=True)
        by_run = self.by == "run"  # each run says what started it and on which rows
        extra = ("started by", "rows") if by_run else ()
        labels = (self.by.capitalize(), *extra, "spent", "refunded", "net", "charges")
        rows = [
            (
                Text(inert(r.label)),
                *((Text(r.trigger or "-"), Text(inert(r.rows or "-"))) if by_run else ()),
                Text(f"{r.spent:,}"),
                Text(f"{r.refunded:,}"),
                Text(f"{r.net:,}"),
                Text(f"{r.charges:,}"),
            )
            for r in report.rows
        ]
        # widths fixed from the content now, not measured later on an idle tick: a screen drawn
        # before that tick (a busy machine) showed the day column cut to the header's width
        for i, label in enumerate(labels):
            width = max([len(label), *(row[i].cell_len for row in rows)])
            table.add_column(label, width=width)
        for row in rows:
            table.add_row(*row)
        self.query_one(CreditBarChart).show([(r.label, r.net, r.refunded) for r in report.rows])
        span = (
            f"{self.since.isoformat() if self.since else 'the start'} to "
            f"{self.until.isoformat() if self.until else 'now'}"
        )
        where = self._scope_label().replace("This table: ", "table ")
        self.query_one("#cu-summary", Static).update(
            f"[b]{report.net:,}[/b] credits net ({report.spent:,} spent, {report.refunded:,} "
            f"refunded, {sum(r.charges for r in report.rows):,} charged calls) · "
            f"{markup_safe(where)} · {span}"
        )

    # ------------------------------------------------------------ controls
    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        by = (event.tab.id or "by-column").removeprefix("by-")
        if by != self.by:
            self.by = by
            self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in ("cu-since", "cu-until"):
            return
        event.stop()
        try:
            value = svc.parse_date(event.value, "A date")
        except ClayError:
            event.input.add_class("-invalid")
            return
        event.input.remove_class("-invalid")
        if event.input.id == "cu-since":
            self.since = value
        else:
            self.until = value
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "cu-path":
            self.action_export()
        elif event.input.has_class("-invalid"):
            self.notify(
                f"{event.value!r} is not a date like 2026-11-25.", severity="error", timeout=6
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cu-scope":
            self.action_toggle_scope()
        elif event.button.id == "cu-export":
            self.action_export()

    def action_toggle_scope(self) -> None:
        if self.table_id is None:
            return
        self.scope_table = not self.scope_table
        self.query_one("#cu-scope", Button).label = plain(self._scope_label())
        self.reload()

    def action_export(self) -> None:
        if self.report is None:
            return
        path = Path(self.query_one("#cu-path", Input).value.strip() or "credit-usage.csv")
        try:
            written = svc.export_usage_csv(self.report, path)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.notify(f"Wrote {len(self.report.rows)} row(s) to {written}.", timeout=4)

    def action_close(self) -> None:
        self.dismiss(None)
