"""A per-second rate limit that keeps the documented rate, not a little under it.

``aiolimiter.AsyncLimiter(1, 1/rps)`` (what the clients used) wakes a waiter a full interval
after it starts waiting and never makes up a late wake-up, so on an event loop that is also
committing the ledger every lost millisecond is lost for good: Hunter's finder, documented
at 15/s, ran at 13.1/s through the engine (87%, bench/waterfall.py). :class:`Pacer` hands out
send times one interval apart on a schedule (a late caller does not push the next one back)
and never lets more than ``rps`` calls into any one second.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque


class Pacer:
    """At most ``rate_per_second`` calls in any one second, evenly spaced, no burst.

    Send times are handed out one interval apart on a schedule, so a caller woken late (a
    busy loop) does not push every later call back; the window of the last ``rps`` actual
    times keeps a catch-up from ever putting more than ``rps`` calls into one second."""

    def __init__(self, rate_per_second: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._next = 0.0  # the scheduled time of the next call
        self._window: deque[float] = deque(maxlen=max(1, math.floor(rate_per_second)))
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        due = max(loop.time(), self._next)  # this caller's slot: now, or the schedule's next
        async with self._lock:  # one caller at a time takes the next slot
            due = max(due, self._next)
            while True:
                now = loop.time()
                slot = max(now, due)
                if len(self._window) == self._window.maxlen:
                    slot = max(slot, self._window[0] + 1.0)  # the last second is full till then
                if slot <= now:
                    break
                await asyncio.sleep(slot - now)
            # the next slot follows this one's (a late wake-up is made up, the window bounds
            # the catch-up); an idle provider starts again from now, with no burst
            self._next = due + self.interval
            self._window.append(now)
