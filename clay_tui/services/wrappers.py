"""Two ways the front door wraps an engine function without writing its signature again."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def blocking(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, R]:
    """``fn`` (a coroutine function) for callers without a running event loop (the CLI): the
    same arguments, run to the end."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return asyncio.run(fn(*args, **kwargs))

    return run


def after(first: Callable[[Any], object], fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` with ``first(ws)`` done before it (``ws``: the first argument)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        first(args[0])
        return fn(*args, **kwargs)

    return run
