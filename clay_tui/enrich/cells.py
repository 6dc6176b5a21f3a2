"""The runner's small types: a cell being run, its steps (paid calls) and queued jobs.

A cell runs its action's ``execute``; every provider call becomes a :class:`Job` on that
provider's queue and, once taken, a :class:`Step` (the hold, the attempt row, the result).
The step number is carried from the moment it is given out; it is part of the
idempotency key, whose text never changes (stored workspaces replay their keys).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from clay_tui.credits import Reservation
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.states import CellState

if TYPE_CHECKING:
    from clay_tui.config import Settings
    from clay_tui.enrich.runner import Runner
    from clay_tui.enrich.spec import ColumnSpec

Call = Callable[[Any], Awaitable[ProviderResult]]  # a provider call given the provider's client


class PoolClient(Protocol):
    """What a provider pool's worker calls through: a ProviderClient, or the HTTP action's."""

    sandbox: bool
    stopped: ProviderResult | None

    def redact_text(self, text: str) -> str: ...


@runtime_checkable
class Bulk(Protocol):
    """A call that a provider can also take many at a time (Prospeo's bulk-enrich-person):
    ``bulk`` answers one result per call, in order, from one request of at most
    ``bulk_size`` of them."""

    bulk_size: int

    def __call__(self, client: Any) -> Awaitable[ProviderResult]: ...

    async def bulk(self, client: Any, calls: Sequence[Any]) -> list[ProviderResult]: ...


def bulk_size(fn: Call) -> int:
    """How many calls like ``fn`` one request can carry (1: no bulk)."""
    return max(1, int(fn.bulk_size)) if isinstance(fn, Bulk) else 1


def attempt_key(
    table_id: int, column_id: int | None, row_id: int, step: int, provider: str, op: str, run: int
) -> str:
    """The idempotency key of one paid step (stored in the ledger and attempts: never change
    its text, workspaces replay it)."""
    return f"enrich:t{table_id}:c{column_id}:r{row_id}:s{step}:{provider}:{op}:run{run}"


@dataclass
class Step:
    provider: str
    op: str
    cost: int
    number: int = 0  # the step's place in its cell (part of the key)
    key: str | None = None
    reservation: Reservation | None = None
    attempt_id: int | None = None
    result: ProviderResult | None = None
    rejected: bool = False


@dataclass
class Job:
    """One call waiting on a provider's queue; ``future`` gets its result (None: the cell
    ended before the call)."""

    cell: Cell
    op: str
    cost: int
    fn: Call
    future: asyncio.Future[ProviderResult | None]
    then: tuple[str, str] | None = None  # a validation reserved together with this step
    ends_cell: bool = True  # an error ends the cell (the HTTP action maps its own errors)

    def answer(self, result: ProviderResult | None) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)


@dataclass
class Cell:
    runner: Runner
    row_id: int
    inputs: dict[str, Any]
    row: dict[str, Any]
    spec: ColumnSpec
    steps: list[Step] = field(default_factory=list)
    halt: CellState | None = None  # set by end(): no more calls, the runner settles it so
    failed: ProviderResult | None = None  # the call whose error ended the cell (halt = error)
    prepaid: dict[tuple[str, str], Step] = field(default_factory=dict)  # held for a later step

    @property
    def settings(self) -> Settings:
        return self.runner.ws.settings

    def end(self, state: CellState) -> None:
        """Stop the cell (cancelled, out of credits, error): the first reason stays."""
        if self.halt is None:
            self.halt = state

    def next_step(self) -> int:
        """The number the next new step gets (held steps count: they are numbered too)."""
        return len(self.steps) + len(self.prepaid)

    async def call(
        self,
        provider: str,
        op: str,
        fn: Call,
        cost: int | None = None,
        then: tuple[str, str] | None = None,
    ) -> ProviderResult | None:
        """One provider call; ``then`` = (provider, op) of the validation that will follow a
        result, reserved together with this step so a found value can always be checked."""
        return await self.runner.pools.submit(self, provider, op, fn, cost, then)

    def reject(self, result: ProviderResult) -> None:
        for step in reversed(self.steps):
            if step.result is result:
                step.rejected = True
                return

    async def http(self, **kwargs: Any) -> ProviderResult:
        """The HTTP action's call, on the ``http`` provider's pool and limits."""
        return await self.runner.pools.http(self, kwargs)


def ends_cell(result: ProviderResult) -> bool:
    """A call that failed for now (timeout, server error, throttled, bad answer): retry the
    cell later. A provider out for the run (bad key, quota) is passed over like "no data",
    and an input the provider refuses is the action's business (missing input)."""
    return (
        result.outcome is Outcome.ERROR
        and not result.stop_provider
        and result.error_id != "missing_input"
    )
