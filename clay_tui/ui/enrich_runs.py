"""Enrichment runs of one table screen: a queue, one run at a time, on the app's loop.

Manual runs (the run dialog) and auto-update batches go through the same path: a
Textual worker awaits ``run_column`` and only posts :class:`RunProgress` /
:class:`RunFinished`; the screen's handlers change the widgets. Auto-update uses the
engine's ``AutoUpdater.rows_for`` to decide which columns a table change should run on
which rows, gathers them for ``delay_s`` and queues them here, so they can be seen
("pending") and dropped when the user turns auto-update off.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clay_tui.errors import ClayError
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.messages import RunFinished, RunProgress

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.timer import Timer

    from clay_tui.services.enrich import RowSelection
    from clay_tui.table.lead_table import LeadTable, TableChange
    from clay_tui.workspace import Workspace


@dataclass
class RunRequest:
    column: str
    rows: RowSelection
    max_credits: int | None = None
    auto: bool = False  # queued by auto-update
    running_ids: set[int] = field(default_factory=set)  # rows the grid shows as "running…"


class EnrichRuns:
    def __init__(
        self, node: DOMNode, ws: Workspace, table: LeadTable, *, delay_s: float | None = None
    ) -> None:
        self.node = node  # the screen: owns the workers, receives the messages
        self.ws, self.table = ws, table
        self.updater = enrich_service.AutoUpdater(
            ws, table
        )  # not attached: we only ask it rows_for()
        self.delay_s = self.updater.delay_s if delay_s is None else delay_s
        self.queue: deque[RunRequest] = deque()
        self.active: RunRequest | None = None
        self.cancel: asyncio.Event | None = None
        self.auto_pending: dict[str, set[int]] = {}
        self._timer: Timer | None = None

    # ------------------------------------------------------------ state
    @property
    def busy(self) -> bool:
        return self.active is not None or bool(self.queue)

    def pending_cells(self) -> int:
        """Auto-update cells waiting to run (gathered, or queued behind another run)."""
        waiting = sum(len(ids) for ids in self.auto_pending.values())
        return waiting + sum(len(r.rows.ids) for r in self.queue if r.auto)

    def running_ids(self, column: str) -> set[int]:
        """Rows of ``column`` that the active run has not finished yet."""
        active = self.active
        return active.running_ids if active is not None and active.column == column else set()

    # ------------------------------------------------------------ manual runs
    def submit(self, request: RunRequest) -> bool:
        """Queue a run; True if it starts now, False if it waits for another."""
        self.queue.append(request)
        if self.active is None:
            self._start_next()
            return True
        return False

    def _start_next(self) -> None:
        if self.active is not None or not self.queue:
            return
        request = self.queue.popleft()
        self.active = request
        self.cancel = asyncio.Event()
        self.node.run_worker(
            self._work(request, self.cancel),
            group="enrich",
            name=f"run {request.column}",
            exit_on_error=False,
        )

    async def _work(self, request: RunRequest, cancel: asyncio.Event) -> None:
        """The worker: run the column and post what happens; never touches a widget."""
        node = self.node

        def progress(p: enrich_service.Progress) -> None:
            node.post_message(RunProgress(request.column, p))

        try:
            if request.auto:  # within the table's daily auto-update cap, counted against it
                summary = await enrich_service.run_auto_update(
                    self.ws,
                    self.table,
                    request.column,
                    request.rows.ids,
                    max_credits=request.max_credits,
                    on_progress=progress,
                    cancel=cancel,
                )
            else:
                summary = await enrich_service.run_column(
                    self.ws,
                    self.table,
                    request.column,
                    request.rows,
                    max_credits=request.max_credits,
                    on_progress=progress,
                    cancel=cancel,
                    trigger=enrich_service.Trigger.MANUAL,
                )
        except ClayError as exc:
            node.post_message(RunFinished(request.column, None, str(exc), auto=request.auto))
        except Exception as exc:  # noqa: BLE001 - one sentence, the app keeps running
            node.post_message(
                RunFinished(
                    request.column,
                    None,
                    f"The run stopped on an internal error: {exc}.",
                    auto=request.auto,
                )
            )
        else:
            node.post_message(RunFinished(request.column, summary, auto=request.auto))

    def finished(self) -> None:
        """Called by the screen when it handled RunFinished: start what waits."""
        self.active = None
        self.cancel = None
        self._start_next()

    def stop(self) -> int:
        """Stop means stop: the active run starts no new call, queued runs are dropped.

        Returns how many runs were stopped or dropped."""
        dropped = len(self.queue) + (1 if self.active is not None else 0)
        self.queue.clear()
        self.auto_pending.clear()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.cancel is not None:
            self.cancel.set()
        return dropped

    def mark_done(self, column: str, row_ids: tuple[int, ...]) -> None:
        """Results for these rows of ``column`` were written: no longer "running…"."""
        active = self.active
        if active is not None and active.running_ids and column == active.column:
            active.running_ids.difference_update(row_ids)

    # ------------------------------------------------------------ auto-update
    def on_table_change(self, change: TableChange) -> None:
        """Gather the (column, rows) that auto-update should run after ``change``."""
        try:
            todo = self.updater.rows_for(change)
        except ClayError:
            return
        if not todo:
            return
        for column, rows in todo.items():
            self.auto_pending.setdefault(column, set()).update(rows)
        if self._timer is None:
            self._timer = self.node.set_timer(self.delay_s, self.flush_auto)

    def flush_auto(self) -> None:
        """Queue every gathered auto-update batch (one run per column)."""
        self._timer = None
        pending, self.auto_pending = self.auto_pending, {}
        for column in self.updater.order(list(pending)):  # upstream columns first
            ids = tuple(sorted(pending[column]))
            self.submit(
                RunRequest(
                    column,
                    enrich_service.RowSelection("ids", ids=ids, force=True),
                    auto=True,
                    running_ids=set(ids),
                )
            )

    def drop_pending(self) -> int:
        """Forget auto-update cells that have not started; returns how many."""
        count = self.pending_cells()
        self.auto_pending.clear()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.queue = deque(r for r in self.queue if not r.auto)
        return count
