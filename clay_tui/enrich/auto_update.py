"""Auto-update: run columns by themselves on rows that are added or whose inputs change.

Only when the table's master switch AND the column's own switch are on. The TUI
attaches an ``AutoUpdater`` to a table; the CLI never does (a CLI run is explicit).
Changes are gathered for a short while and then run as one batch per column.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from clay_tui.enrich.columns import list_columns
from clay_tui.enrich.rows import RowSelection
from clay_tui.enrich.runner import RunSummary, run_column
from clay_tui.enrich.spec import ColumnSpec, referenced_columns
from clay_tui.enrich.trigger import Trigger
from clay_tui.table.lead_table import LeadTable, TableChange
from clay_tui.workspace import Workspace


class AutoUpdater:
    def __init__(self, ws: Workspace, table: LeadTable, *, delay_s: float = 0.3,
                 on_summary: Callable[[RunSummary], None] | None = None,
                 run_kwargs: dict[str, Any] | None = None) -> None:
        self.ws, self.table = ws, table
        self.delay_s = delay_s
        self.on_summary = on_summary
        self.run_kwargs = run_kwargs or {}
        self._pending: dict[str, set[int]] = {}
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.summaries: list[RunSummary] = []
        self.errors: list[Exception] = []

    def attach(self) -> AutoUpdater:
        self._unsubscribe = self.table.subscribe(self._on_change)
        return self

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _columns(self) -> list[ColumnSpec]:
        from clay_tui.services.tables import table_auto_update

        if not table_auto_update(self.ws, self.table):
            return []
        return [c for c in list_columns(self.ws, self.table) if c.auto_update]

    def rows_for(self, change: TableChange) -> dict[str, set[int]]:
        """Which columns should run on which rows after ``change``."""
        if change.kind not in ("set", "add_rows", "results") or not change.row_ids:
            return {}
        if change.remote:  # another process's change, replayed here: that process decides
            return {}
        out: dict[str, set[int]] = {}
        for spec in self._columns():
            if change.kind == "add_rows" or set(change.columns) & set(referenced_columns(spec)):
                if change.kind == "results" and set(change.columns) & set(spec.outputs.values()):
                    continue  # a column's own results never re-trigger it
                out[spec.name] = set(change.row_ids)
        return out

    def _on_change(self, change: TableChange) -> None:
        todo = self.rows_for(change)
        if not todo:
            return
        for name, rows in todo.items():
            self._pending.setdefault(name, set()).update(rows)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a script editing the table): flush() runs them later
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay_s)
        await self.flush()

    async def flush(self) -> list[RunSummary]:
        """Run every pending (column, rows) batch now."""
        done: list[RunSummary] = []
        while self._pending:
            name, rows = next(iter(self._pending.items()))
            del self._pending[name]
            spec = next((c for c in list_columns(self.ws, self.table) if c.name == name), None)
            if spec is None:
                continue
            try:
                summary = await run_column(self.ws, self.table, spec,
                                           RowSelection("ids", ids=tuple(sorted(rows)),
                                                        force=True),
                                           **{"trigger": Trigger.AUTO_UPDATE, **self.run_kwargs})
            except Exception as exc:  # noqa: BLE001 - reported, never raised into the UI loop
                self.errors.append(exc)
                continue
            done.append(summary)
            self.summaries.append(summary)
            if self.on_summary is not None:
                self.on_summary(summary)
        return done
