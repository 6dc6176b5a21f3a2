"""Run one enrichment column over a set of rows (asyncio).

Per cell: condition and inputs (already decided by ``rows.plan_rows``), then each
paid step: reserve its maximum -> attempt row committed -> call -> and at the end
of the cell, capture/refund/release + the cell row in one transaction. Each
provider has its own queue and worker pool, so a waterfall is pipelined: rows
waiting on provider 2 never hold up provider 1. Writes go through a group
committer (one fsync for many cells).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import polars as pl

from clay_tui.clock import iso
from clay_tui.credits import Caps, Ledger, Reservation, SpendContext
from clay_tui.credits.ledger import ledger_for
from clay_tui.enrich import store
from clay_tui.enrich.actions import ACTIONS, REFUND_ON_INVALID, Final
from clay_tui.enrich.cell_details import attempt_detail
from clay_tui.enrich.committer import Committer
from clay_tui.enrich.reconcile import LIVE_RUNS, _run_alive, reconcile
from clay_tui.enrich.rows import RowPlan, RowSelection, plan_rows
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.summary_text import describe_run
from clay_tui.enrich.trigger import Trigger, auto_rows
from clay_tui.errors import ClayError, InsufficientCredits
from clay_tui.providers import http_action
from clay_tui.providers.base import Outcome, ProviderResult, error_result
from clay_tui.providers.client import ProviderClient
from clay_tui.providers.registry import Providers
from clay_tui.states import RESULT, AttemptState, CellState, RunStatus
from clay_tui.table import expressions
from clay_tui.table.lead_table import ROW_ID, LeadTable
from clay_tui.workspace import Workspace

CELL_WINDOW = 1_000  # cells alive at once; more starves the TUI loop on free actions at 1M rows
DISPLAY_EVERY_S = 0.25
PROGRESS_EVERY_S = 0.1
CLAIM_POLL_S = 0.25  # how often a waiting run looks whether the column is free


@dataclass
class Progress:
    total: int
    done: int
    counts: dict[str, int]
    credits: int
    queued: int = 0
    running: int = 0
    finished: bool = False


@dataclass
class RunSummary:
    run_id: int
    column: str
    total: int
    counts: dict[str, int]
    credits: int  # net of refunds
    refunded: int
    status: RunStatus  # finished | cancelled | out of credits | spend limit | interrupted
    message: str = ""
    stopped_by: str | None = None  # "balance" | "run" | "column" | "table": what halted cells
    elapsed_s: float = 0.0
    sandbox: bool = True
    rows_selected: int = 0
    already_done: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def describe(self, *, auto: bool = False) -> str:
        """The run in one sentence, for the CLI and the TUI alike."""
        return describe_run(self, auto=auto)


@dataclass
class _Step:
    provider: str
    op: str
    cost: int
    key: str | None = None
    reservation: Reservation | None = None
    attempt_id: int | None = None
    result: ProviderResult | None = None
    rejected: bool = False


@dataclass
class _Cell:
    runner: Runner
    row_id: int
    inputs: dict[str, Any]
    row: dict[str, Any]
    spec: ColumnSpec
    steps: list[_Step] = field(default_factory=list)
    halt: CellState | None = None
    failed: ProviderResult | None = None  # the call whose error ended the cell (halt = error)
    prepaid: dict[tuple[str, str], _Step] = field(default_factory=dict)  # held for a later step

    @property
    def settings(self):  # noqa: ANN201 - the CellContext protocol's Settings
        return self.runner.ws.settings

    async def call(
        self,
        provider: str,
        op: str,
        fn: Callable[[ProviderClient], Awaitable[ProviderResult]],
        cost: int | None = None,
        then: tuple[str, str] | None = None,
    ) -> ProviderResult | None:
        """One provider call; ``then`` = (provider, op) of the validation that will follow a
        result, reserved together with this step so a found value can always be checked."""
        return await self.runner.submit(self, provider, op, fn, cost, then)

    def reject(self, result: ProviderResult) -> None:
        for step in reversed(self.steps):
            if step.result is result:
                step.rejected = True
                return

    async def http(self, **kwargs: Any) -> ProviderResult:
        return await self.runner.http_call(self, **kwargs)


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
        self._queues: dict[str, asyncio.Queue[Any]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._http: httpx.AsyncClient | None = None
        self._http_sem = asyncio.Semaphore(10)
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
        status = RunStatus.FINISHED
        completed = False
        try:
            self._write_free_states(plan)
            if self.spec.action == "formula":
                self._run_formula(plan)
            elif plan.to_run:
                await self._run_cells(plan)
            completed = True
        finally:
            await self.committer.close()
            await self._stop_workers(hard=not completed)
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
        with self.ws.transaction():
            for holder in self.ws.db.execute(
                "SELECT id, pid, started_at FROM runs WHERE table_id = ? AND column_id = ?"
                " AND status = ?",
                (self.table.id, self.spec.id, RunStatus.RUNNING),
            ).fetchall():
                if _run_alive(holder["pid"], holder["id"]):
                    return holder
            cur = self.ws.db.execute(
                "INSERT INTO runs (table_id, column_id, started_at, status, row_set, max_credits,"
                " pid, rows, credits, sandbox, trigger, forced) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    self.table.id,
                    self.spec.id,
                    iso(self.ws.clock.now()),
                    RunStatus.RUNNING,
                    self.selection.describe(),
                    self.max_credits,
                    os.getpid(),
                    0,
                    0,
                    int(self.sandbox),
                    self.trigger.value,
                    int(self.selection.force),
                ),
            )
            run_id = int(cur.lastrowid)
            LIVE_RUNS.add(run_id)  # live for this process before the claim commits
        return run_id

    def _drop_run(self) -> None:
        """Planning failed (a bad expression): the run never started; forget it."""
        with self.ws.transaction():
            self.ws.db.execute("DELETE FROM runs WHERE id = ?", (self.run_id,))
        LIVE_RUNS.discard(self.run_id)

    def _start_run(self, plan: RowPlan) -> None:
        with self.ws.transaction():
            self.ws.db.execute(  # an auto-update run says how many rows changed
                "UPDATE runs SET rows = ?, row_set = ? WHERE id = ?",
                (
                    self.total,
                    auto_rows(len(plan.selected))
                    if self.trigger is Trigger.AUTO_UPDATE
                    else self.selection.describe(),
                    self.run_id,
                ),
            )

    def _finish_run(self, status: RunStatus) -> None:
        with self.ws.transaction():  # the record says what the ledger holds for the run
            self.ws.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, credits = ?, counts = ? WHERE id = ?",
                (
                    iso(self.ws.clock.now()),
                    status,
                    store.run_credits(self.ws, self.run_id),
                    json.dumps(dict(self.counts)),
                    self.run_id,
                ),
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

    # ------------------------------------------------------------ formula (vectorised)
    def _run_formula(self, plan: RowPlan) -> None:
        text = str(self.spec.params.get("expression"))
        frame = self.table.frame.filter(pl.col(ROW_ID).is_in(plan.to_run))
        try:
            out = frame.select(ROW_ID, expressions.parse(text).alias("v"))
        except ClayError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise expressions.explain(text, exc) from None
        now = iso(self.ws.clock.now())
        with self.ws.transaction():
            for rid, value in out.iter_rows():
                if self.cancel.is_set():
                    self._store(rid, CellState.CANCELLED, None, None, 0, now, None)
                elif value is None or value == "":
                    self._store(rid, CellState.NO_DATA, None, "formula", 0, now, None)
                else:
                    self._store(rid, CellState.FOUND, {"value": value}, "formula", 0, now, None)
        self._after_commit()

    # ------------------------------------------------------------ cells
    async def _run_cells(self, plan: RowPlan) -> None:
        if self.providers is None:
            self.providers = Providers(self.ws.settings)
        window = asyncio.Semaphore(CELL_WINDOW)
        tasks: set[asyncio.Task[None]] = set()

        async def one(cell: _Cell) -> None:
            try:
                await self._cell(cell)
            finally:
                window.release()

        try:
            self.providers.start(self.spec.providers)  # one that cannot start ends the run
            for rid in plan.to_run:
                await window.acquire()
                cell = _Cell(self, rid, plan.inputs[rid], plan.rows[rid], self.spec)
                self.queued += 1
                task = asyncio.get_running_loop().create_task(one(cell))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*list(tasks))
        finally:
            for task in list(tasks):  # only left when the run itself is being cancelled
                task.cancel()
            if self._http is not None:
                await self._http.aclose()
            if self._own_providers and self.providers is not None:
                await self.providers.aclose()

    async def _cell(self, cell: _Cell) -> None:
        final: Final
        if self.cancel.is_set():
            cell.halt = CellState.CANCELLED
        elif self.no_credits and not self.info.free:
            cell.halt = self.halt_state
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

    def _finalize(self, cell: _Cell, final: Final) -> None:
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
            self.ws.db.execute(
                "UPDATE attempts SET state = ?, outcome = ?, finished_at = ?, detail = ?"
                " WHERE id = ?",
                (
                    AttemptState.SETTLED,
                    res.outcome.value if res is not None else cell.halt,
                    now,
                    attempt_detail(res, step.rejected),
                    step.attempt_id,
                ),
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

    def _chargeable(self, step: _Step, res: ProviderResult) -> bool:
        """Data found is charged; so is "no data" on a provider set to charge_on_no_data."""
        if res.billable:
            return True
        ps = self.ws.settings.providers.get(step.provider)
        return res.outcome is Outcome.NO_DATA and ps is not None and ps.charge_on_no_data

    def _has_result(self, rid: int) -> bool:
        row = self.ws.db.execute(
            "SELECT status FROM cells WHERE table_id = ? AND column_id = ? AND row_id = ?",
            (self.table.id, self.spec.id, rid),
        ).fetchone()
        return row is not None and row["status"] in RESULT

    # ------------------------------------------------------------ provider pools
    def _queue(self, provider: str) -> asyncio.Queue[Any]:
        q = self._queues.get(provider)
        if q is None:
            q = self._queues[provider] = asyncio.Queue()
            assert self.providers is not None
            n = max(1, self.providers.provider_settings(provider).concurrency)
            loop = asyncio.get_running_loop()
            self._workers += [loop.create_task(self._worker(provider, q)) for _ in range(n)]
        return q

    async def submit(
        self,
        cell: _Cell,
        provider: str,
        op: str,
        fn: Callable[[ProviderClient], Awaitable[ProviderResult]],
        cost: int | None,
        then: tuple[str, str] | None = None,
    ) -> ProviderResult | None:
        if cell.halt is not None:  # an ended cell makes no more calls
            return None
        if self.cancel.is_set():
            cell.halt = CellState.CANCELLED
            return None
        assert self.providers is not None
        if cost is None:
            cost = self.providers.provider_settings(provider).credits_for(op)
        if cost > 0 and self.no_credits and (provider, op) not in cell.prepaid:
            cell.halt = self.halt_state
            return None
        fut: asyncio.Future[ProviderResult | None] = asyncio.get_running_loop().create_future()
        self._queue(provider).put_nowait((cell, op, cost, fn, fut, then))
        return await fut

    async def _worker(self, provider: str, q: asyncio.Queue[Any]) -> None:
        assert self.providers is not None
        try:
            client = self.providers.client(provider)
        except Exception as exc:  # noqa: BLE001 - cannot start: every job gets the error,
            client, failed = None, exc  # so no cell waits for good on this queue
        while True:
            job = await q.get()
            if job is None:
                return
            cell, op, cost, fn, fut, then = job
            if client is None:
                if not fut.done():
                    fut.set_exception(failed)
                continue
            try:
                fut.set_result(await self._step(client, cell, provider, op, cost, fn, then))
            except Exception as exc:  # noqa: BLE001
                if not fut.done():
                    fut.set_exception(exc)

    async def _step(
        self,
        client: ProviderClient,
        cell: _Cell,
        provider: str,
        op: str,
        cost: int,
        fn: Callable[[ProviderClient], Awaitable[ProviderResult]],
        then: tuple[str, str] | None = None,
    ) -> ProviderResult | None:
        if self.cancel.is_set():
            cell.halt = CellState.CANCELLED
            return None
        step = cell.prepaid.pop((provider, op), None)
        if cost > 0 and self.no_credits and step is None:
            cell.halt = self.halt_state
            return None
        if client.stopped is not None:  # bad key / quota: no more calls this run
            s = client.stopped
            stopped = error_result(
                provider,
                op,
                s.error_id or "stopped",
                s.message,
                sandbox=client.sandbox,
                stop_provider=True,
            )
            if step is not None:  # a hold reserved with an earlier step: the cell settles it
                step.result = stopped
                cell.steps.append(step)
            return stopped
        if step is None:
            step = _Step(provider, op, cost)
            steps = [step]
            if then is not None and cost > 0 and then not in cell.prepaid:
                assert self.providers is not None
                later = _Step(
                    then[0], then[1], self.providers.provider_settings(then[0]).credits_for(then[1])
                )
                if later.cost > 0:
                    steps.append(later)
            if cost > 0:
                try:
                    await self.committer.run(lambda: self._reserve_all(cell, steps))
                except InsufficientCredits as exc:
                    if self.no_credits is None:  # a cap is a spend limit, not an empty balance
                        self.no_credits, self.stopped_by = str(exc), exc.cap or "balance"
                        self.halt_state = CellState.SPEND_LIMIT if exc.cap else CellState.NO_CREDITS
                    cell.halt = self.halt_state
                    return None
                for extra in steps[1:]:
                    cell.prepaid[(extra.provider, extra.op)] = extra
            if self.cancel.is_set() and cost > 0:  # stopped while the hold was being written
                cell.steps.append(step)
                cell.halt = CellState.CANCELLED
                return None
        cell.steps.append(step)
        self.running += 1
        try:
            result = await fn(client)
        except Exception as exc:  # noqa: BLE001 - an adapter bug is an error cell, not a crash
            result = error_result(
                provider,
                op,
                "internal_error",
                client.redact_text(f"{type(exc).__name__}: {exc}"),
                sandbox=client.sandbox,
            )
        finally:
            self.running -= 1
        step.result = result
        if _ends_cell(result) and cell.halt is None:
            # Errors cost nothing: the cell ends here as an error and every hold of it is
            # released, also what earlier steps found (a later provider is not asked either,
            # so a re-run of failed cells ends as a fault-free run would, paying once)
            cell.failed = result
            cell.halt = CellState.ERROR
        return result

    def _reserve_all(self, cell: _Cell, steps: list[_Step]) -> None:
        """Inside the group transaction: holds and attempt rows, durable before the call."""
        for i, step in enumerate(steps):
            step.key = (
                f"enrich:t{self.table.id}:c{self.spec.id}:r{cell.row_id}"
                f":s{len(cell.steps) + len(cell.prepaid) + i}:{step.provider}:{step.op}"
                f":run{self.run_id}"
            )
            self._reserve(cell, step)

    def _reserve(self, cell: _Cell, step: _Step) -> None:
        assert step.key is not None
        ctx = SpendContext(
            table_id=self.table.id,
            column_id=self.spec.id,
            row_id=cell.row_id,
            provider=step.provider,
            run_id=self.run_id,
            action=step.op,
        )
        step.reservation = self.ledger.reserve(step.cost, step.key, context=ctx, caps=self.caps)
        cur = self.ws.db.execute(
            "INSERT INTO attempts (key, table_id, column_id, row_id, run_id, step, provider, op,"
            " amount, state, started_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                step.key,
                self.table.id,
                self.spec.id,
                cell.row_id,
                self.run_id,
                int(step.key.split(":s")[1].split(":")[0]),
                step.provider,
                step.op,
                step.cost,
                AttemptState.STARTED,
                iso(self.ws.clock.now()),
            ),
        )
        step.attempt_id = cur.lastrowid

    async def _stop_workers(self, hard: bool = False) -> None:
        if hard:  # the run task itself was cancelled or failed: abandon calls in flight
            for task in self._workers:
                task.cancel()
        for q in self._queues.values():
            while not q.empty():  # jobs nobody will take (the run is ending): answer "halted"
                job = q.get_nowait()
                if job is not None and not job[4].done():
                    job[0].halt = job[0].halt or CellState.CANCELLED
                    job[4].set_result(None)
        for q in self._queues.values():
            for _ in range(len(self._workers)):
                q.put_nowait(None)
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def http_call(self, cell: _Cell, **kwargs: Any) -> ProviderResult:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=20.0, follow_redirects=True)
        async with self._http_sem:
            if self.cancel.is_set():
                cell.halt = CellState.CANCELLED
                return error_result("http", "http_call", "cancelled", "The run was stopped.")
            self.running += 1
            try:
                return await http_action.call(self._http, **kwargs)
            finally:
                self.running -= 1

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


def _ends_cell(result: ProviderResult) -> bool:
    """A call that failed for now (timeout, server error, throttled, bad answer): retry the
    cell later. A provider out for the run (bad key, quota) is passed over like "no data",
    and an input the provider refuses is the action's business (missing input)."""
    return (
        result.outcome is Outcome.ERROR
        and not result.stop_provider
        and result.error_id != "missing_input"
    )


async def run_column(
    ws: Workspace, table: LeadTable, spec: ColumnSpec, rows: RowSelection, **kwargs: Any
) -> RunSummary:
    return await Runner(ws, table, spec, rows, **kwargs).run()
