"""One queue and worker pool per provider, so a waterfall is pipelined.

Rows waiting on provider 2 never hold up provider 1. A worker takes a job, holds its
maximum (reservation + attempt row, durable before the call), calls, and hands the
result back to the cell. A provider whose calls can go many at a time (``Bulk``) gets up to
its bulk size of jobs per request: each row still has its own hold, attempt row and
idempotency key, and settles with its own result. The ``http`` provider (the HTTP action)
is a pool like the others, with its own limits from ``[providers.http]``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from clay_tui.clock import iso
from clay_tui.config import ProviderSettings
from clay_tui.credits import SpendContext
from clay_tui.enrich import store
from clay_tui.enrich.cells import (
    Bulk,
    Call,
    Cell,
    Job,
    PoolClient,
    Step,
    attempt_key,
    bulk_size,
    ends_cell,
)
from clay_tui.errors import InsufficientCredits
from clay_tui.providers import http_action
from clay_tui.providers.base import ProviderResult, error_result
from clay_tui.states import CellState

if TYPE_CHECKING:
    from clay_tui.enrich.runner import Runner

HTTP = http_action.PROVIDER


class Pools:
    def __init__(self, runner: Runner) -> None:
        self.run = runner
        self._queues: dict[str, asyncio.Queue[Job | None]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._http: http_action.HttpClient | None = None

    # ------------------------------------------------------------ cancelling
    def stopped(self, cell: Cell) -> bool:
        """The one place a run's stop reaches a cell: True (and the cell ends) once stopped."""
        if self.run.cancel.is_set():
            cell.end(CellState.CANCELLED)
            return True
        return False

    # ------------------------------------------------------------ queues
    def settings(self, provider: str) -> ProviderSettings:
        if provider == HTTP:
            return self.run.ws.settings.http
        assert self.run.providers is not None
        return self.run.providers.provider_settings(provider)

    def _queue(self, provider: str) -> asyncio.Queue[Job | None]:
        q = self._queues.get(provider)
        if q is None:
            q = self._queues[provider] = asyncio.Queue()
            n = max(1, self.settings(provider).concurrency)
            loop = asyncio.get_running_loop()
            self._workers += [loop.create_task(self._worker(provider, q)) for _ in range(n)]
        return q

    async def submit(
        self,
        cell: Cell,
        provider: str,
        op: str,
        fn: Call,
        cost: int | None,
        then: tuple[str, str] | None = None,
        *,
        ends: bool = True,
    ) -> ProviderResult | None:
        if cell.halt is not None:  # an ended cell makes no more calls
            return None
        if self.stopped(cell):
            return None
        if cost is None:
            cost = self.settings(provider).credits_for(op)
        if cost > 0 and self.run.no_credits and (provider, op) not in cell.prepaid:
            cell.end(self.run.halt_state)
            return None
        fut: asyncio.Future[ProviderResult | None] = asyncio.get_running_loop().create_future()
        self._queue(provider).put_nowait(Job(cell, op, cost, fn, fut, then, ends))
        return await fut

    async def http(self, cell: Cell, kwargs: dict[str, Any]) -> ProviderResult:
        """The HTTP action's call (free): the action maps its own errors to the cell."""

        async def send(client: http_action.HttpClient) -> ProviderResult:
            return await client.call(**kwargs)

        result = await self.submit(cell, HTTP, http_action.ACTION, send, 0, ends=False)
        if result is None:
            return error_result(HTTP, "http_call", "cancelled", "The run was stopped.")
        return result

    def _client(self, provider: str) -> PoolClient:
        if provider == HTTP:
            if self._http is None:
                self._http = http_action.HttpClient(self.settings(HTTP))
            return self._http
        assert self.run.providers is not None
        return self.run.providers.client(provider)

    # ------------------------------------------------------------ workers
    async def _worker(self, provider: str, q: asyncio.Queue[Job | None]) -> None:
        try:
            client = self._client(provider)
        except Exception as exc:  # noqa: BLE001 - cannot start: every job gets the error,
            client, failed = None, exc  # so no cell waits for good on this queue
        while True:
            job = await q.get()
            if job is None:
                return
            if client is None:
                job.fail(failed)
                continue
            batch, others, last = _take(q, job)
            try:
                if len(batch) > 1:
                    await self._bulk(client, provider, batch)
                else:
                    job.answer(await self._one(client, provider, job))
            except Exception as exc:  # noqa: BLE001
                for j in batch:
                    j.fail(exc)
            for other in others:  # a job a bulk batch could not carry: on its own
                try:
                    other.answer(await self._one(client, provider, other))
                except Exception as exc:  # noqa: BLE001
                    other.fail(exc)
            if last:
                return

    async def _one(self, client: PoolClient, provider: str, job: Job) -> ProviderResult | None:
        step = await self._prepare(client, provider, job)
        if not isinstance(step, Step):
            return step
        return await self._call(client, provider, job, step)

    async def _call(
        self, client: PoolClient, provider: str, job: Job, step: Step
    ) -> ProviderResult:
        self.run.running += 1
        try:
            result = await job.fn(client)
        except Exception as exc:  # noqa: BLE001 - an adapter bug is an error cell, not a crash
            result = _internal(client, provider, job.op, exc)
        finally:
            self.run.running -= 1
        return self._settle(job, step, result)

    async def _bulk(self, client: PoolClient, provider: str, batch: list[Job]) -> None:
        """Up to the bulk size of jobs in one request; each job held and settled on its own."""
        prepared = await asyncio.gather(
            *(self._prepare(client, provider, j) for j in batch), return_exceptions=True
        )
        ready: list[tuple[Job, Step]] = []
        for job, step in zip(batch, prepared, strict=True):
            if isinstance(step, Step):
                ready.append((job, step))
            elif isinstance(step, BaseException):  # that row alone (say, a failed commit)
                job.fail(step)
            else:
                job.answer(step)
        if not ready:
            return
        if len(ready) == 1:  # the others ended before the call: a plain call
            job, step = ready[0]
            job.answer(await self._call(client, provider, job, step))
            return
        first = ready[0][0].fn
        assert isinstance(first, Bulk)
        self.run.running += len(ready)
        try:
            results = await first.bulk(client, [j.fn for j, _ in ready])
            if len(results) != len(ready):
                raise ValueError(f"{len(results)} results for {len(ready)} calls")
        except Exception as exc:  # noqa: BLE001 - an adapter bug: every row of it is an error
            results = [_internal(client, provider, j.op, exc) for j, _ in ready]
        finally:
            self.run.running -= len(ready)
        for (job, step), result in zip(ready, results, strict=True):
            job.answer(self._settle(job, step, result))

    async def _prepare(
        self, client: PoolClient, provider: str, job: Job
    ) -> Step | ProviderResult | None:
        """Before a call: its Step (held, attempt row durable, in the cell's steps), or what
        the cell gets without a call (None: the cell ended; a result: the provider stopped)."""
        cell, op, cost = job.cell, job.op, job.cost
        if self.stopped(cell):
            return None
        step = cell.prepaid.pop((provider, op), None)
        if cost > 0 and self.run.no_credits and step is None:
            cell.end(self.run.halt_state)
            return None
        if client.stopped is not None:  # bad key / quota: no more calls this run
            s = client.stopped
            result = error_result(
                provider,
                op,
                s.error_id or "stopped",
                s.message,
                sandbox=client.sandbox,
                stop_provider=True,
            )
            if step is not None:  # a hold reserved with an earlier step: the cell settles it
                step.result = result
                cell.steps.append(step)
            return result
        if step is None:
            step = Step(provider, op, cost)
            steps = [step]
            then = job.then
            if then is not None and cost > 0 and then not in cell.prepaid:
                later = Step(then[0], then[1], self.settings(then[0]).credits_for(then[1]))
                if later.cost > 0:
                    steps.append(later)
            if cost > 0:
                try:
                    await self.run.committer.run(lambda: self._reserve_all(cell, steps))
                except InsufficientCredits as exc:
                    self.run.out_of_credits(exc)
                    cell.end(self.run.halt_state)
                    return None
                for extra in steps[1:]:
                    cell.prepaid[(extra.provider, extra.op)] = extra
            if cost > 0 and self.stopped(cell):  # stopped while the hold was being written
                cell.steps.append(step)
                return None
        cell.steps.append(step)
        return step

    def _settle(self, job: Job, step: Step, result: ProviderResult) -> ProviderResult:
        step.result = result
        cell = job.cell
        if job.ends_cell and ends_cell(result) and cell.halt is None:
            # Errors cost nothing: the cell ends here as an error and every hold of it is
            # released, also what earlier steps found (a later provider is not asked either,
            # so a re-run of failed cells ends as a fault-free run would, paying once)
            cell.failed = result
            cell.end(CellState.ERROR)
        return result

    def _reserve_all(self, cell: Cell, steps: list[Step]) -> None:
        """Inside the group transaction: holds and attempt rows, durable before the call."""
        run = self.run
        first = cell.next_step()
        for i, step in enumerate(steps):
            step.number = first + i
            step.key = attempt_key(
                run.table.id,
                run.spec.id,
                cell.row_id,
                step.number,
                step.provider,
                step.op,
                run.run_id,
            )
            self._reserve(cell, step)

    def _reserve(self, cell: Cell, step: Step) -> None:
        assert step.key is not None
        run = self.run
        ctx = SpendContext(
            table_id=run.table.id,
            column_id=run.spec.id,
            row_id=cell.row_id,
            provider=step.provider,
            run_id=run.run_id,
            action=step.op,
        )
        step.reservation = run.ledger.reserve(step.cost, step.key, context=ctx, caps=run.caps)
        step.attempt_id = store.insert_attempt(
            run.ws,
            key=step.key,
            table_id=run.table.id,
            column_id=run.spec.id or 0,
            row_id=cell.row_id,
            run_id=run.run_id,
            step=step.number,
            provider=step.provider,
            op=step.op,
            amount=step.cost,
            at=iso(run.ws.clock.now()),
        )

    # ------------------------------------------------------------ the end
    async def stop(self, hard: bool = False) -> None:
        if hard:  # the run task itself was cancelled or failed: abandon calls in flight
            for task in self._workers:
                task.cancel()
        for q in self._queues.values():
            while not q.empty():  # jobs nobody will take (the run is ending): answer "halted"
                job = q.get_nowait()
                if job is not None and not job.future.done():
                    job.cell.end(CellState.CANCELLED)
                    job.answer(None)
        for q in self._queues.values():
            for _ in range(len(self._workers)):
                q.put_nowait(None)
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def _take(q: asyncio.Queue[Job | None], job: Job) -> tuple[list[Job], list[Job], bool]:
    """The jobs to send with ``job`` (waiting now, up to its bulk size), the waiting jobs of
    another kind taken meanwhile, and whether the queue said stop."""
    size = bulk_size(job.fn)
    batch, others, last = [job], [], False
    while len(batch) < size and not q.empty():
        nxt = q.get_nowait()
        if nxt is None:
            last = True
            break
        if type(nxt.fn) is type(job.fn) and nxt.op == job.op:
            batch.append(nxt)
        else:
            others.append(nxt)
    return batch, others, last


def _internal(client: PoolClient, provider: str, op: str, exc: Exception) -> ProviderResult:
    return error_result(
        provider,
        op,
        "internal_error",
        client.redact_text(f"{type(exc).__name__}: {exc}"),
        sandbox=client.sandbox,
    )
