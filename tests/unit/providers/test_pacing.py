"""The per-second limit keeps the documented rate (issue 11: a waterfall at >= 95% of the
binding limit): a late wake-up is made up, and no second ever holds more than the rate.

Before: ``AsyncLimiter(1, 1/rps)`` waited a full interval from whenever a caller came back,
so every late wake-up was lost: Hunter's finder (15/s) ran at 13.1/s through the engine."""

from __future__ import annotations

import asyncio
import bisect
import time

import pytest

from clay_tui.providers.pacing import Pacer


async def test_a_late_wake_up_is_made_up_not_lost() -> None:
    pacer = Pacer(4)  # one call every 0.25 s
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    done: list[float] = []

    async def caller() -> None:
        await pacer.acquire()
        done.append(loop.time() - t0)

    async def busy() -> None:
        await asyncio.sleep(0.3)
        time.sleep(0.6)  # the loop is busy (a ledger commit, another table) till 0.9

    await asyncio.gather(busy(), *(caller() for _ in range(5)))
    # slots 0, 0.25, 0.5, 0.75, 1.0: the two that passed during the stall go at once after
    # it, the last keeps its slot (before: a full interval after each late wake-up, 1.4 s)
    assert max(done) < 1.2


async def test_no_second_holds_more_than_the_rate_and_the_rate_is_kept() -> None:
    pacer = Pacer(50)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def caller() -> None:
        for _ in range(13):
            await pacer.acquire()
            times.append(loop.time())
            if len(times) % 10 == 0:
                time.sleep(0.03)  # a busy loop now and then

    await asyncio.gather(*(caller() for _ in range(6)))  # 78 calls from 6 callers
    times.sort()
    peak = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert peak <= 50
    assert (len(times) - 1) / (times[-1] - times[0]) <= 50 * 1.001


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
