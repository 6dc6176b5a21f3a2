"""What every CRM push speaks, whichever CRM it goes to: a record per row, an outcome per
record, and a batcher that turns the runner's one-call-per-cell into the CRM's batch calls.

A CRM adapter (``hubspot_crm.HubSpotCrm``; Salesforce's composite API would be the next) takes
a list of :class:`CrmRecord` and returns one :class:`CrmOutcome` per record, in order: one
record's refusal never fails the others.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar


@dataclass(frozen=True)
class CrmRecord:
    email: str  # the id property's value (contacts are upserted by email)
    properties: dict[str, str] = field(default_factory=dict)
    company_domain: str | None = None  # associate the contact with this company
    company_name: str | None = None  # the name a company created for it gets


@dataclass(frozen=True)
class CrmOutcome:
    record_id: str | None = None
    created: bool = False
    company_id: str | None = None
    error: str | None = None  # one sentence naming what was refused
    error_id: str | None = None
    stop: bool = False  # the whole CRM refused (bad token, quota): stop calling it
    unknown: bool = False  # the answer never came: the push may or may not have happened


class CrmAdapter(Protocol):
    batch_size: int

    async def upsert(self, records: list[CrmRecord]) -> list[CrmOutcome]: ...


# provider name -> the adapter class; each CRM module registers itself (a second CRM is one
# more module and one more line in providers/__init__.py, not a change to the action)
ADAPTERS: dict[str, Callable[[Any], CrmAdapter]] = {}
_batchers: weakref.WeakKeyDictionary[Any, Batcher[CrmRecord, CrmOutcome]] = (
    weakref.WeakKeyDictionary()
)


async def push(client: Any, record: CrmRecord) -> CrmOutcome:
    """Push one row to the CRM ``client`` speaks for; it travels in a batch with the rows pushed
    at the same time (one batcher per client, so every cell of a run shares it)."""
    if client not in _batchers:
        adapter = ADAPTERS[client.name](client)
        _batchers[client] = Batcher(adapter.upsert, adapter.batch_size)
    return await _batchers[client].submit(record)


T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Coalesce single submissions into batches of at most ``size``: a batch goes out when it
    is full or ``linger_s`` after its first item, so cells running at once share requests."""

    def __init__(
        self, send: Callable[[list[T]], Awaitable[list[R]]], size: int, linger_s: float = 0.05
    ) -> None:
        self._send, self.size, self.linger_s = send, size, linger_s
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, fut))
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.linger_s, self._flush)
        return await fut

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending[: self.size], self._pending[self.size :]
        if self._pending:  # more than one batch's worth arrived at once
            self._timer = asyncio.get_running_loop().call_soon(self._flush)  # type: ignore[assignment]
        if not batch:
            return
        self.batches += 1
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._send([item for item, _ in batch])
        except BaseException as exc:  # noqa: BLE001 - every waiting cell learns of it
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, fut), res in zip(batch, results, strict=True):
            if not fut.done():
                fut.set_result(res)


def text_of(value: Any) -> str | None:
    """A cell value as CRM property text (None for empty)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
