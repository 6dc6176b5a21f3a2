"""Run one enrichment column over a set of rows (asyncio).

Per cell: condition and inputs (already decided by ``rows.plan_rows``), then each
paid step: reserve its maximum -> attempt row committed -> call -> and at the end
of the cell, capture/refund/release + the cell row in one transaction. Each
provider has its own queue and worker pool, so a waterfall is pipelined: rows
waiting on provider 2 never hold up provider 1. Writes go through a group
committer (one fsync for many cells).

Where the parts live: ``cells`` (a cell, its steps, queued jobs), ``pools`` (the
provider queues and workers, holds before calls, bulk requests), ``summary`` (Progress,
RunSummary), ``store`` (the runs, attempts and cells SQL), an action's ``execute`` or
``batch`` (``actions``, ``formula``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl

from clay_tui.clock import iso
from clay_tui.credits import Caps, Ledger
from clay_tui.credits.ledger import ledger_for
from clay_tui.enrich import store
from clay_tui.enrich.actions import ACTIONS, REFUND_ON_INVALID
from clay_tui.enrich.cell_details import attempt_detail
from clay_tui.enrich.cells import Cell, Step
from clay_tui.enrich.committer import Committer
from clay_tui.enrich.final import Final
from clay_tui.enrich.pools import Pools
from clay_tui.enrich.reconcile import LIVE_RUNS, RUN_LEASE, _run_alive, lease_end, reconcile
from clay_tui.enrich.rows import RowPlan, RowSelection, plan_rows
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.summary import Progress, RunSummary
from clay_tui.enrich.trigger import Trigger, auto_rows
from clay_tui.errors import ClayError, InsufficientCredits
from clay_tui.processes import this_host
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.registry import Providers
from clay_tui.states import RESULT, CellState, RunStatus
from clay_tui.table.lead_table import ROW_ID, LeadTable
from clay_tui.workspace import Workspace

CELL_WINDOW = 1_000  # cells alive at once; more starves the TUI loop on free actions at 1M rows
DISPLAY_EVERY_S = 0.25
PROGRESS_EVERY_S = 0.1
CLAIM_POLL_S = 0.25  # how often a waiting run looks whether the column is free


class Runner:
    def __init__(
        self,
        ws: Workspace,
        table: LeadTable,
        spec: ColumnSpec,
        rows: RowSelection,
        *,
        max_credits: int | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: asyncio.Event | None = None,
        providers: Providers | None = None,
        ledger: Ledger | None = None,
        commit_interval: float = 0.002,
        wait: bool = False,
        on_wait: Callable[[str], None] | None = None,
        trigger: Trigger = Trigger.CLI,
    ) -> None:
        if spec.id is None:
            raise ClayError(f"Column {spec.name} is not stored yet.")
        self.ws, self.table, self.spec, self.selection = ws, table, spec, rows
        self.info = ACTIONS[spec.action]
        self.max_credits = max_credits
        self.on_progress = on_progress
        self.cancel = cancel or asyncio.Event()
        self._own_providers = providers is None
        self.providers = providers
        self.ledger = ledger or ledger_for(ws)
        self.caps = Caps(run_max=max_credits, column_limit=spec.spend_limit)
        self.commit_interval = commit_interval
        self.trigger = Trigger(trigger)
        self.wait, self.on_wait = wait, on_wait
        self.counts: Counter[str] = Counter()
        self.credits = 0
        self.refunded = 0
        self.queued = 0
        self.running = 0
        self.no_credits: str | None = None
        self.stopped_by: str | None = None  # the cap (or "balance") behind no_credits
        self.halt_state = CellState.NO_CREDITS  # SPEND_LIMIT when a cap stopped the run
        self.run_id = 0
        self.total = 0
        self._display: dict[int, tuple[dict[str, Any], CellState]] = {}  # row -> values, state
        self._last_display = 0.0
        self._last_progress = 0.0
        self.pools = Pools(self)
        used = [p for p in spec.providers if p in ws.settings.providers]
        # offline/free actions touch no provider: "sandbox" only when a sandbox answered
        self.sandbox = bool(used) and all(ws.settings.providers[p].mode == "sandbox" for p in used)

    # ------------------------------------------------------------ the run
    async def run(self) -> RunSummary:
        started = time.perf_counter()
        reconcile(self.ws, self.ledger)
        self.run_id = await self._claim()
        try:  # planned after the claim: rows another run stored meanwhile are seen as done
            plan = plan_rows(self.ws, self.table, self.spec, self.selection)
        except BaseException:
            self._drop_run()
            raise
        self.total = len(plan.to_run) + len(plan.skipped) + len(plan.missing)
        self._start_run(plan)
        self.committer = Committer(
            self.ws, interval=self.commit_interval, after_commit=self._after_commit
        )
        self.committer.start()
        heartbeat = asyncio.get_running_loop().create_task(self._renew_lease())
        status = RunStatus.FINISHED
        completed = False
        try:
            self._write_free_states(plan)
            if self.info.batch is not None:
                self._run_batch(plan)
            elif plan.to_run:
                await self._run_cells(plan)
            completed = True
        finally:
            heartbeat.cancel()
            await self.committer.close()
            await self.pools.stop(hard=not completed)
            self._flush_display(force=True)
            if not completed:
                status = RunStatus.INTERRUPTED
            elif self.cancel.is_set():
                status = RunStatus.CANCELLED
            elif self.no_credits:
                status = (
                    RunStatus.SPEND_LIMIT
                    if self.halt_state is CellState.SPEND_LIMIT
                    else RunStatus.OUT_OF_CREDITS
                )
            try:
                self._finish_run(status)
            finally:  # a full disk can fail the last write: the run is still over
                LIVE_RUNS.discard(self.run_id)
            if not completed:  # cancelled task or a bug: settle what this run left open
                reconcile(self.ws, self.ledger)
            self._emit(finished=True)
        if self.committer.errors:
            raise ClayError(f"Storing results failed: {self.committer.errors[0]}")
        return RunSummary(
            run_id=self.run_id,
            column=self.spec.name,
            total=self.total,
            counts=dict(self.counts),
            credits=self.credits,
            refunded=self.refunded,
            status=status,
            message=self.no_credits or "",
            stopped_by=self.stopped_by,
            elapsed_s=time.perf_counter() - started,
            sandbox=self.sandbox,
            rows_selected=len(plan.selected),
            already_done=len(plan.done),
        )

    async def _claim(self) -> int:
        """Claim the column and create the run in one write transaction (BEGIN IMMEDIATE):
        two processes can never both see the column free. With ``wait``, wait for the run
        that holds it to end; otherwise say which run holds it (ClayError)."""
        announced = False
        while True:
            holder = self._try_claim()
            if isinstance(holder, int):
                return holder
            why = (
                f"Column {self.spec.name} is already running in run {holder['id']} "
                f"(process {holder['pid']}, started {_when(holder['started_at'])})"
            )
            if not self.wait:
                raise ClayError(f"{why}; wait for it to finish (run --wait does) or stop it first.")
            if self.cancel.is_set():
                raise ClayError(f"{why}; stopped while waiting for it, nothing was run.")
            if not announced and self.on_wait is not None:
                self.on_wait(f"{why}; waiting for it to finish.")
            announced = True
            try:
                await asyncio.wait_for(self.cancel.wait(), CLAIM_POLL_S)
            except TimeoutError:
                continue
            # stopped while waiting: never claim afterwards (every cell would say "cancelled")
            raise ClayError(f"{why}; stopped while waiting for it, nothing was run.")

    def _try_claim(self) -> int | Any:
        """The new run's id, or the row of the live run that holds the column."""
        assert self.spec.id is not None
        with self.ws.transaction():
            for holder in store.live_holders(self.ws, self.table.id, self.spec.id):
                if _run_alive(self.ws, holder):
                    return holder
            run_id = store.insert_run(
                self.ws,
                table_id=self.table.id,
                column_id=self.spec.id,
                started_at=iso(self.ws.clock.now()),
                row_set=self.selection.describe(),
                max_credits=self.max_credits,
                pid=os.getpid(),
                sandbox=self.sandbox,
                trigger=self.trigger.value,
                forced=self.selection.force,
                host=this_host(),
                lease_until=lease_end(self.ws),
            )
            LIVE_RUNS.add(run_id)  # live for this process before the claim commits
        return run_id

    async def _renew_lease(self) -> None:
        """Renew the run's lease while it runs (other machines read it, see reconcile)."""
        while True:
            await asyncio.sleep(RUN_LEASE.total_seconds() / 3)
            store.renew_run_lease(self.ws, self.run_id, lease_end(self.ws))

    def _drop_run(self) -> None:
        """Planning failed (a bad expression): the run never started; forget it."""
        store.delete_run(self.ws, self.run_id)
        LIVE_RUNS.discard(self.run_id)

    def _start_run(self, plan: RowPlan) -> None:
        auto = self.trigger is Trigger.AUTO_UPDATE  # an auto-update run says how many changed
        row_set = auto_rows(len(plan.selected)) if auto else self.selection.describe()
        store.start_run(self.ws, self.run_id, rows=self.total, row_set=row_set)

    def _finish_run(self, status: RunStatus) -> None:
        store.finish_run(
            self.ws,
            self.run_id,
            status=status,
            at=iso(self.ws.clock.now()),
            counts=dict(self.counts),
        )

    def _write_free_states(self, plan: RowPlan) -> None:
        """Condition not met / missing input: stored at once, never charged."""
        now = iso(self.ws.clock.now())
        with self.ws.transaction():
            for rid in plan.skipped:
                self._store(rid, CellState.SKIPPED, None, None, 0, now, "Run condition not met.")
            for rid, why in plan.missing.items():
                self._store(rid, CellState.MISSING_INPUT, None, None, 0, now, why)
        self._after_commit()

    def _store(
        self,
        rid: int,
        status: CellState,
        values: dict[str, Any] | None,
        provider: str | None,
        credits: int,
        now: str,
        error: str | None,
    ) -> None:
        store.write_cell(
            self.ws,
            table_id=self.table.id,
            column_id=self.spec.id or 0,
            row_id=rid,
            status=status,
            value=values,
            provider=provider,
            credits=credits,
            run_id=self.run_id,
            at=now,
            error=error,
            sandbox=self.sandbox,
        )
        self.counts[status] += 1
        self._display[rid] = (values or {}, status)

    # ------------------------------------------------------------ batch actions (formula)
    def _run_batch(self, plan: RowPlan) -> None:
        """A free action that runs all rows at once (``ActionInfo.batch``): stored in one go."""
        assert self.info.batch is not None
        frame = self.table.frame.filter(pl.col(ROW_ID).is_in(plan.to_run))
        ends = list(self.info.batch(self.spec, frame))  # a bad expression raises before a write
        now = iso(self.ws.clock.now())
        with self.ws.transaction():
            for rid, final in ends:
                if self.cancel.is_set():
                    self._store(rid, CellState.CANCELLED, None, None, 0, now, None)
                else:
                    values = final.values or None
                    self._store(rid, final.status, values, final.provider, 0, now, final.error)
        self._after_commit()

    # ------------------------------------------------------------ cells
    async def _run_cells(self, plan: RowPlan) -> None:
        if self.providers is None:
            self.providers = Providers(self.ws.settings)
        window = asyncio.Semaphore(CELL_WINDOW)
        tasks: set[asyncio.Task[None]] = set()

        async def one(cell: Cell) -> None:
            try:
                await self._cell(cell)
            finally:
                window.release()

        try:
            self.providers.start(self.spec.providers)  # one that cannot start ends the run
            for rid in plan.to_run:
                await window.acquire()
                cell = Cell(self, rid, plan.inputs[rid], plan.rows[rid], self.spec)
                self.queued += 1
                task = asyncio.get_running_loop().create_task(one(cell))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*list(tasks))
        finally:
            for task in list(tasks):  # only left when the run itself is being cancelled
                task.cancel()
            await self.pools.aclose()
            if self._own_providers and self.providers is not None:
                await self.providers.aclose()

    async def _cell(self, cell: Cell) -> None:
        final: Final
        if not self.pools.stopped(cell) and self.no_credits and not self.info.free:
            cell.end(self.halt_state)
        if cell.halt is None:
            try:
                assert self.info.execute is not None
                final = await self.info.execute(cell)
            except Exception as exc:  # noqa: BLE001 - a bug must not lose the other cells
                final = Final(CellState.ERROR, error=f"Internal error: {type(exc).__name__}: {exc}")
        self.queued -= 1
        if cell.failed is not None:  # a call failed: the cell is an error, all holds released
            e = cell.failed
            final = Final(
                CellState.ERROR,
                provider=e.provider,
                error=f"{e.provider}: {e.message or e.error_id}",
            )
        elif cell.halt is not None:
            why = (
                self.no_credits
                if cell.halt in (CellState.NO_CREDITS, CellState.SPEND_LIMIT)
                else "The run was stopped."
            )
            found = next((s for s in cell.steps if s.result is not None and s.result.ok), None)
            if found is not None:  # data came back, but the cell stopped before its check
                why = (
                    f"{why} {found.provider} had found data, but the cell stopped before "
                    "finishing; nothing was charged."
                )
            final = Final(cell.halt, error=why)
        self.committer.post(lambda: self._finalize(cell, final))

    def _finalize(self, cell: Cell, final: Final) -> None:
        """Inside the group transaction: settle every hold of the cell, then store it."""
        halted = cell.halt is not None
        # only a result is paid for: a cell that ends in error keeps no charge of any step
        kept = not halted and final.status in RESULT
        credits = refunded = 0
        now = iso(self.ws.clock.now())
        for step in [*cell.steps, *cell.prepaid.values()]:
            if step.reservation is None:
                continue
            res = step.result
            if kept and res is not None and step.cost > 0 and self._chargeable(step, res):
                key = f"{step.key}:capture"
                self.ledger.capture(step.reservation, step.cost, key=key)
                credits += step.cost
                if step.rejected and REFUND_ON_INVALID.get(step.provider, True):
                    self.ledger.refund(key, "validation rejected the result")
                    credits -= step.cost
                    refunded += step.cost
            else:
                self.ledger.release(
                    step.reservation,
                    "no charge: "
                    + (
                        cell.halt
                        or (final.status if not kept else None)
                        or (res.outcome.value if res is not None else "not called")
                    ),
                )
            store.settle_attempt(
                self.ws,
                step.attempt_id,
                outcome=res.outcome.value if res is not None else cell.halt,
                at=now,
                detail=attempt_detail(res, step.rejected),
            )
        values = {k: v for k, v in final.values.items() if k in self.spec.outputs}
        if halted and self._has_result(cell.row_id):
            # a forced re-run that made no call (stopped, out of credits) keeps the result the
            # user already paid for, as reconcile does for an interrupted one
            self.counts[final.status] += 1
        else:
            self._store(
                cell.row_id, final.status, values or None, final.provider, credits, now, final.error
            )
        self.credits += credits
        self.refunded += refunded

    def _chargeable(self, step: Step, res: ProviderResult) -> bool:
        """Data found is charged; so is "no data" on a provider set to charge_on_no_data."""
        if res.billable:
            return True
        ps = self.ws.settings.providers.get(step.provider)
        return res.outcome is Outcome.NO_DATA and ps is not None and ps.charge_on_no_data

    def _has_result(self, rid: int) -> bool:
        return store.cell_status(self.ws, self.table.id, self.spec.id or 0, rid) in RESULT

    def out_of_credits(self, exc: InsufficientCredits) -> None:
        """A hold was refused: the run stops paying (a cap is a spend limit, not an empty
        balance); the first refusal names the reason."""
        if self.no_credits is None:
            self.no_credits, self.stopped_by = str(exc), exc.cap or "balance"
            self.halt_state = CellState.SPEND_LIMIT if exc.cap else CellState.NO_CREDITS

    # ------------------------------------------------------------ display and progress
    def _after_commit(self) -> None:
        self._flush_display()
        self._emit()

    def _flush_display(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self._display or (not force and now - self._last_display < DISPLAY_EVERY_S):
            return
        self._last_display = now
        batch, self._display = self._display, {}
        states = {rid: state for rid, (_, state) in batch.items()}  # pushed to the screen
        for fld, col in self.spec.outputs.items():
            if col in self.table.columns:
                values = {rid: v.get(fld) for rid, (v, _) in batch.items()}
                self.table.write_results(col, values, states=states)

    def _emit(self, finished: bool = False) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if not finished and now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = now
        self.on_progress(
            Progress(
                self.total,
                sum(self.counts.values()),
                dict(self.counts),
                self.credits,
                self.queued,
                self.running,
                finished,
            )
        )


def _when(stamp: str | None) -> str:
    """A run's start as a person reads it: 2026-11-15 12:00:00 UTC."""
    try:
        return datetime.fromisoformat(str(stamp)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return str(stamp)


async def run_column(
    ws: Workspace, table: LeadTable, spec: ColumnSpec, rows: RowSelection, **kwargs: Any
) -> RunSummary:
    return await Runner(ws, table, spec, rows, **kwargs).run()
