"""Group commits: many small durable writes folded into one SQLite transaction.

Workers hand in closures (reserve + attempt row, capture + cell row); a single
loop runs whatever is pending inside one ``ws.transaction()``, each closure in its
own SAVEPOINT so one failing op (say, a refused reservation) does not undo the
others. One fsync then covers hundreds of cells, which is what makes >1,000 paid
cells/s possible with ``synchronous=FULL``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from clay_tui.workspace import Workspace

Op = Callable[[], Any]


class Committer:
    def __init__(
        self,
        ws: Workspace,
        *,
        interval: float = 0.002,
        max_batch: int = 2000,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.ws = ws
        self.interval = interval  # wait this long after the first op to gather more
        self.max_batch = max_batch
        self.after_commit = after_commit
        self._pending: list[tuple[Op, asyncio.Future[Any] | None]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.errors: list[BaseException] = []  # failures of fire-and-forget ops
        self.commits = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def run(self, op: Op) -> Any:
        """Run ``op`` in the next group commit and wait until it is durable."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((op, fut))
        self._wake.set()
        return await fut

    def post(self, op: Op) -> None:
        """Queue ``op`` for the next group commit without waiting."""
        self._pending.append((op, None))
        self._wake.set()

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            if self.interval and not self._closed:
                await asyncio.sleep(self.interval)
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                self._flush(batch)
            if self._closed and not self._pending:
                return

    def _flush(self, batch: list[tuple[Op, asyncio.Future[Any] | None]]) -> None:
        db = self.ws.db
        outcomes: list[tuple[asyncio.Future[Any] | None, Any, BaseException | None]] = []
        try:
            with self.ws.transaction():
                for op, fut in batch:
                    db.execute("SAVEPOINT enrich_op")
                    try:
                        value = op()
                    except Exception as exc:  # noqa: BLE001 - handed to the waiter
                        db.execute("ROLLBACK TO enrich_op")
                        db.execute("RELEASE enrich_op")
                        outcomes.append((fut, None, exc))
                    else:
                        db.execute("RELEASE enrich_op")
                        outcomes.append((fut, value, None))
        except Exception as exc:  # noqa: BLE001 - the commit itself failed: nothing is durable
            for _op, fut in batch:
                if fut is not None and not fut.done():
                    fut.set_exception(exc)
                elif fut is None:
                    self.errors.append(exc)
            return
        self.commits += 1
        for fut, value, exc in outcomes:
            if fut is None:
                if exc is not None:
                    self.errors.append(exc)
            elif not fut.done():
                if exc is not None:
                    fut.set_exception(exc)
                else:
                    fut.set_result(value)
        if self.after_commit is not None:
            self.after_commit()
