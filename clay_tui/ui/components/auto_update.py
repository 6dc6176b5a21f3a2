"""Auto-update switches: the table's (table menu, t) and each enrichment column's
(column menu), with the questions they ask first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.ui.components.base import Component
from clay_tui.ui.components.specs import owning_spec
from clay_tui.ui.messages import AutoStateChanged
from clay_tui.ui.screens.popup_menu import PopupMenu

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen


class AutoUpdate(Component):
    """Turning auto-update on and off."""

    def __init__(self, host: TableScreen) -> None:
        super().__init__(host, id="auto-update")

    def toggle_column(self) -> None:
        """The current enrichment column's own switch."""
        column = self.host.grid.current_column
        if self.table is None or column is None:
            return
        spec = owning_spec(self.ws, self.table, column)
        if spec is None:
            return
        on = not spec.auto_update
        enrich_service.set_column_auto_update(self.ws, self.table, spec.name, on)
        note = (
            ""
            if self.host.auto_update() or not on
            else " (the table's switch is off: turn it on in the table menu, t)"
        )
        plan = next(
            (
                c
                for c in enrich_service.auto_update_state(self.ws, self.table).columns
                if c.column == spec.name
            ),
            None,
        )
        if on and plan is not None:  # what it will do
            cond = f"; condition {', '.join(plan.condition)}" if plan.condition else ""
            note += (
                f": runs on new rows and when {', '.join(plan.inputs) or 'nothing'}"
                f"{cond} change; up to {plan.per_row_max} credit"
                f"{'s' if plan.per_row_max != 1 else ''} a row"
            )
        self.notify(
            f"Auto-update of {spec.name} {'on' if on else 'off'}{note}.",
            timeout=8 if on else 4,
        )
        self.post_message(AutoStateChanged())

    def toggle_table(self) -> None:
        """The table's switch: on asks first (what it will do and may cost); off with cells
        waiting asks whether to run them."""
        if self.table is None:
            return
        on = not self.host.auto_update()
        pending = self.host.runs.pending_cells() if self.host.runs is not None else 0
        if not on and pending:
            self._ask_pending(pending)
        elif on:
            self._confirm_auto_update()
        else:
            self._set_table_auto_update(on)

    def _confirm_auto_update(self) -> None:
        from clay_tui.ui.screens.auto_update_screen import AutoUpdateScreen  # start-up

        assert self.table is not None
        state = enrich_service.auto_update_state(self.ws, self.table)
        most = state.per_row_max

        def chosen(yes: bool | None) -> None:
            if yes:
                self._set_table_auto_update(
                    True, f"; at most {most} credits per new or edited row, {state.daily_cap} a day"
                )

        self.app.push_screen(AutoUpdateScreen(state), self.guard(chosen))

    def _set_table_auto_update(self, on: bool, detail: str = "") -> None:
        assert self.table is not None
        try:
            table_service.set_table_auto_update(self.ws, self.table, on)
        except ClayError as exc:
            self.fail(exc)
            return
        self.post_message(AutoStateChanged())
        self.notify(f"Auto-update columns {'on' if on else 'off'}{detail}.", timeout=4)

    def _ask_pending(self, pending: int) -> None:
        """Turning auto-update off with cells waiting: run them, or leave them alone."""
        button = self.host.query_one("#hdr-menu")
        items = [("drop", "Continue without running"), ("run", "Run pending cells")]
        title = f"{pending:,} cell{'s' if pending != 1 else ''} pending"

        def chosen(choice: str | None) -> None:
            runs = self.host.runs
            if choice is None or runs is None:
                return  # Esc: auto-update stays on
            if choice == "run":
                runs.flush_auto()
                self._set_table_auto_update(False, f"; running {pending:,} pending cells")
            else:
                dropped = runs.drop_pending()
                self._set_table_auto_update(False, f"; {dropped:,} pending cells left unrun")

        self.app.push_screen(
            PopupMenu(title, items, button.region.x, button.region.y + 1), self.guard(chosen)
        )
