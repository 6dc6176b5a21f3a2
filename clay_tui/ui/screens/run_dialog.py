"""Run a column (`r`, or column menu > Run…): choose the rows, see the cost, then run.

The estimate (``estimate_run``) is shown before anything starts: rows to run, rows the
condition skips, rows already done, maximum and expected credits, and the columns that
depend on this one. Above ``run.confirm_above_credits`` the Run button stays disabled
until the user ticks the confirmation. Dismisses with ``(RowSelection, max_credits)`` or
None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, RadioButton, RadioSet, Static

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.services.credits import credits_summary
from clay_tui.services.enrich import RowSelection
from clay_tui.ui.plain import plain, plain_lines
from clay_tui.ui.screens.draft_screen import DRAFT_KEY, DraftScreen, ai_button

if TYPE_CHECKING:
    from textual.content import Content

    from clay_tui.services.enrich import Estimate
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

RunChoice = tuple[RowSelection, int | None]


SHOWN_IDS = 10  # row ids the dialog names


def estimate_lines(est: Estimate) -> list[str]:
    """The estimate as a person reads it."""
    lines = [
        f"Rows selected {est.rows_selected:,} · to run {est.rows_to_run:,} · "
        f"skipped by condition {est.skipped_condition:,} · already done {est.already_done:,}"
        + (f" · missing input {est.missing_input:,}" if est.missing_input else ""),
    ]
    if est.row_ids:
        ids = ", ".join(f"#{i}" for i in est.row_ids[:SHOWN_IDS])
        more = ", …" if est.rows_to_run > SHOWN_IDS else ""
        lines.append(
            f"{est.rows_to_run:,} row{'s' if est.rows_to_run != 1 else ''} will run: {ids}{more}"
        )
    if est.basis == "free":
        lines.append("Credits: free (this action costs nothing)")
    else:
        lines.append(
            f"Credits: up to {est.max_credits:,} ({est.per_row_max:,} per row) · "
            f"expected about {est.expected_credits:,} (from {est.basis})"
        )
    if est.paid_again:
        n = est.paid_again
        lines.append(
            f"Forced: {n:,} row{'s' if n != 1 else ''} already paid for "
            f"{'are' if n != 1 else 'is'} paid again"
        )
    for dep in est.dependents:
        cost = (
            "free"
            if dep.basis == "free"
            else (f"up to {dep.total_max_credits:,}, expected about {dep.total_expected_credits:,}")
        )
        lines.append(f"Then {dep.column} (depends on it): {dep.rows_to_run:,} rows, {cost}")
    if est.dependents:
        lines.append(
            f"Total: up to {est.total_max_credits:,} credits, expected about "
            f"{est.total_expected_credits:,}"
        )
    return lines


class RunDialog(ModalScreen[RunChoice | None]):
    DEFAULT_CSS = """
    RunDialog { align: center middle; }
    RunDialog > Vertical { width: 90; max-width: 100%; height: auto; border: round $accent;
                           background: $panel; padding: 0 1; }
    RunDialog RadioSet { width: 100%; border: none; padding: 0; background: $panel; }
    RunDialog #run-force { margin: 0 0 0 1; }
    RunDialog #run-estimate { margin: 1 0 0 0; }
    RunDialog #run-error { color: $error; }
    RunDialog #run-warning { color: $warning; }
    RunDialog #run-buttons { height: auto; margin: 1 0 0 0; }
    RunDialog #run-buttons Button { margin: 0 2 0 0; }
    RunDialog .hidden { display: none; }
    RunDialog #run-condition { height: auto; margin: 1 0 0 0; }
    RunDialog #run-condition-text { width: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("r", "run", "Run", show=False),
        Binding(DRAFT_KEY, "draft", "Write the condition with AI", show=False),
    ]

    def __init__(
        self,
        ws: Workspace,
        table: LeadTable,
        column: str,
        *,
        filter_text: str | None = None,
        view_rows: int | None = None,
        selected: tuple[int, ...] = (),
        sort: tuple[str, bool] | None = None,
    ) -> None:
        super().__init__()
        self.ws, self.table, self.column = ws, table, column
        self.filter_text = filter_text
        self.sort = sort  # the view's, so a test run takes the rows the user sees first
        self.view_rows = table.row_count if view_rows is None else view_rows
        self.selected = selected
        self.test_rows = ws.settings.run.test_rows
        self.threshold = ws.settings.run.confirm_above_credits
        self.estimate: Estimate | None = None
        # selected rows are what the user means; a column that has never run gets a test
        # run (whatever its condition leaves); after that, the rows not yet run
        if selected:
            self.choice = "selected"
        elif enrich_service.has_run(ws, table, column):
            self.choice = "not_run"
        else:
            self.choice = "first"
        self._token = 0  # which estimate request is current
        self.force = False  # re-run cells that have a result

    # ------------------------------------------------------------ row sets
    def row_sets(self) -> list[tuple[str, str, bool]]:
        """(id, label, enabled) of every row set the dialog offers."""
        n = min(self.test_rows, self.table.row_count)
        view = (
            f"The current filtered view ({self.view_rows:,} rows)"
            if self.filter_text
            else f"The current view (no filter: all {self.table.row_count:,} rows)"
        )
        order = " of the view" if self.filter_text or self.sort else ""
        return [
            ("first", f"A test run: the first {n:,} rows{order} that would run", True),
            ("view", view, True),
            ("selected", f"Selected rows ({len(self.selected):,})", bool(self.selected)),
            ("not_run", "Rows not yet run", True),
            (
                "failed",
                "Failed rows (errors, credits or spend limit, stopped, missing input)",
                True,
            ),
            ("all", f"All rows ({self.table.row_count:,})", True),
        ]

    def selection(self, choice: str | None = None) -> RowSelection:
        choice = choice or self.choice
        force = self.force
        if choice == "first":
            return RowSelection(
                "first",
                limit=max(1, self.test_rows),
                where=self.filter_text,
                sort=self.sort,
                force=force,
            )
        if choice == "view":
            return (
                RowSelection("where", where=self.filter_text, force=force)
                if self.filter_text
                else RowSelection("all", force=force)
            )
        if choice == "selected":
            return RowSelection("ids", ids=tuple(sorted(self.selected)), force=force)
        return RowSelection(choice, force=force)

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(f"Run {self.column}")
            box.border_subtitle = (
                "↑↓ Enter choose rows · r runs · F3 condition with AI · Esc cancels"
            )
            yield Label("Which rows?")
            with RadioSet(id="run-rows"):
                for ident, label, enabled in self.row_sets():
                    yield RadioButton(
                        label, id=f"rows-{ident}", value=ident == self.choice, disabled=not enabled
                    )
            yield Checkbox(
                "Also re-run cells that already have a result (charged again)",
                id="run-force",
                compact=True,
            )
            with Horizontal(id="run-condition"):
                yield Static(self._condition_text(), id="run-condition-text")
                yield ai_button("run-condition")
            yield Static("", id="run-estimate")
            yield Static("", id="run-warning")
            yield Static("", id="run-error")
            yield Checkbox("", id="run-confirm", classes="hidden")
            with Horizontal(id="run-buttons"):
                yield Button("Run", id="run-go", variant="primary")
                yield Button("Cancel", id="run-cancel")

    def on_mount(self) -> None:
        self.refresh_estimate()
        self.query_one("#run-rows", RadioSet).focus()

    # ------------------------------------------------------------ estimate
    class Estimated(Message):
        """The estimate worker's answer for one request (``token``)."""

        def __init__(
            self, token: int, estimate: Estimate | None, error: str | None, available: int | None
        ) -> None:
            self.token = token
            self.estimate = estimate
            self.error = error
            self.available = available
            super().__init__()

    def refresh_estimate(self) -> None:
        """Estimate the chosen rows in a worker (a million rows take a while to plan)."""
        self._token += 1
        self.estimate = None
        self.query_one("#run-estimate", Static).update("Estimating…")
        self.query_one("#run-go", Button).disabled = True
        self._estimate_worker(self._token, self.selection())

    @work(thread=True, exclusive=True, group="estimate")
    def _estimate_worker(self, token: int, rows: RowSelection) -> None:
        try:
            est = enrich_service.estimate_run(self.ws, self.table, self.column, rows)
        except ClayError as exc:
            self.post_message(self.Estimated(token, None, str(exc), None))
            return
        try:
            available: int | None = credits_summary(self.ws).available
        except ClayError:
            available = None
        self.post_message(self.Estimated(token, est, None, available))

    def on_run_dialog_estimated(self, message: Estimated) -> None:
        if message.token != self._token:
            return  # an answer for rows no longer chosen
        est = message.estimate
        self._show_estimate(est, message.error, message.available)
        for ident in ("#run-error", "#run-warning"):  # an empty line takes no room
            widget = self.query_one(ident, Static)
            widget.set_class(not str(widget.render()).strip(), "hidden")

    def _show_estimate(
        self, est: Estimate | None, error: str | None, available: int | None
    ) -> None:
        estimate_w = self.query_one("#run-estimate", Static)
        error_w = self.query_one("#run-error", Static)
        warning_w = self.query_one("#run-warning", Static)
        confirm = self.query_one("#run-confirm", Checkbox)
        go = self.query_one("#run-go", Button)
        self.estimate = est
        if est is None:
            estimate_w.update("")
            warning_w.update("")
            error_w.update(plain_lines(error or ""))
            confirm.add_class("hidden")
            go.disabled = True
            return
        error_w.update("")
        estimate_w.update(plain_lines("\n".join(estimate_lines(est))))
        warnings = []
        if est.rows_to_run == 0 and not est.dependents:
            warnings.append("Nothing to run in these rows.")
        if est.capped_by == "spend limit":
            warnings.append(
                f"The column's spend limit binds: {est.spend_limit_left:,} of "
                f"{est.spend_limit:,} credits left (these rows may need "
                f'{est.uncapped_max_credits:,}); cells past it will say "spend '
                'limit". e on the column raises it.'
            )
        elif est.capped_by == "balance" or (
            available is not None and est.total_max_credits > available
        ):
            warnings.append(
                f"Only {est.available if est.available is not None else available:,}"
                " credits are available: cells past them will say "
                '"not enough credits".'
            )
        warning_w.update(" ".join(warnings))
        needs_confirm = est.total_max_credits > self.threshold
        confirm.set_class(not needs_confirm, "hidden")
        if needs_confirm:
            confirm.label = (
                f"Yes, spend up to {est.total_max_credits:,} credits (more than {self.threshold:,})"
            )
            confirm.value = False
        go.disabled = est.rows_to_run == 0 or (needs_confirm and not confirm.value)

    @on(RadioSet.Changed, "#run-rows")
    def _rows_changed(self, event: RadioSet.Changed) -> None:
        ident = event.pressed.id or "rows-first"
        self.choice = ident.removeprefix("rows-")
        self.refresh_estimate()

    @on(Checkbox.Changed, "#run-force")
    def _force_changed(self, event: Checkbox.Changed) -> None:
        self.force = event.value
        self.refresh_estimate()

    @on(Checkbox.Changed, "#run-confirm")
    def _confirm_changed(self, event: Checkbox.Changed) -> None:
        est = self.estimate
        self.query_one("#run-go", Button).disabled = (
            est is None or est.rows_to_run == 0 or not event.value
        )

    # ------------------------------------------------------------ condition with AI
    def _condition_text(self) -> Content:
        spec = enrich_service.get_column(self.ws, self.table, self.column)
        return plain(f"Only run if: {spec.condition or '(no condition: every row)'}")

    @on(Button.Pressed, "#ai-run-condition")
    def action_draft(self) -> None:
        """F3 / AI…: draft the column's condition; kept, it is saved and re-estimated."""
        spec = enrich_service.get_column(self.ws, self.table, self.column)

        def done(expression: str | None) -> None:
            if expression is None:
                return
            try:
                enrich_service.update_column(self.ws, self.table, self.column, condition=expression)
            except ClayError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.query_one("#run-condition-text", Static).update(self._condition_text())
            self.refresh_estimate()

        hide = frozenset(spec.outputs.values())
        current = spec.condition or ""
        self.app.push_screen(
            DraftScreen(self.ws, self.table, "condition", current, hide=hide), done
        )

    # ------------------------------------------------------------ answers
    def action_run(self) -> None:
        self._go()

    @on(Button.Pressed, "#run-go")
    def _go(self) -> None:
        est = self.estimate
        if est is None:
            return  # still estimating (or the rows cannot run: the error says why)
        if est.rows_to_run == 0:
            self.notify(
                "Nothing to run in these rows: choose others.", severity="warning", timeout=3
            )
            return
        if (
            est.total_max_credits > self.threshold
            and not self.query_one("#run-confirm", Checkbox).value
        ):
            self.notify(
                "Tick the confirmation first: this run is above your confirm threshold.",
                severity="warning",
                timeout=3,
            )
            return
        # What the user confirmed is also the run's cap: it can never spend more. (When the
        # spend limit or the balance binds the estimate, that limit stops the run and names
        # itself; the rows' own maximum stays the run's cap.)
        cap = (
            (est.max_credits if est.capped_by is None else est.uncapped_max_credits)
            if est.total_max_credits > self.threshold
            else None
        )
        self.dismiss((self.selection(), cap))

    @on(Button.Pressed, "#run-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
