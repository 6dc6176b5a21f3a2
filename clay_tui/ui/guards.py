"""The TUI's boundary for errors, on public Textual API only.

Every way into the core from the TUI is an action (``ClayApp.run_action``), a message or event
handler, or a worker body. A handler or worker decorated with ``guarded``:

- a ``ClayError`` (a user mistake) becomes one notification, and the app goes on;
- a failure of the machine (a damaged workspace.db, a full disk: ``errors.failure_sentence``)
  posts ``MachineFailed`` to the app, which ends with that one sentence (exit code 2, said by
  ``clay-tui open`` once the terminal is restored), never a traceback;
- anything else is a bug, and goes on to Textual's own crash report.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from textual.message import Message

from clay_tui.errors import ClayError, failure_sentence

F = TypeVar("F", bound=Callable[..., Any])


class MachineFailed(Message):
    """A damaged database or a full disk met by a handler or worker: the app ends."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        super().__init__()


def caught(node: Any, exc: Exception) -> bool:
    """Say a user mistake, or end the app on a machine failure; False for a bug."""
    if isinstance(exc, ClayError):
        node.notify(str(exc), severity="error", timeout=6)
    elif failure_sentence(exc, None) is not None:
        node.app.post_message(MachineFailed(exc))  # (thread-safe: a worker may post it)
    else:
        return False
    return True


def guarded(fn: F) -> F:
    """Decorate a handler, callback or worker body of a widget or screen (sync or async)."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(self, *args, **kwargs)
            except Exception as exc:
                if not caught(self, exc):
                    raise
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except Exception as exc:
            if not caught(self, exc):
                raise
            return None

    return run  # type: ignore[return-value]
