"""A user mistake (a ``ClayError``) that a handler or callback did not catch becomes one
notification, never a traceback: public Textual API only (no ``_on_message`` override)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from clay_tui.errors import ClayError

F = TypeVar("F", bound=Callable[..., Any])


def notify_errors(fn: F) -> F:
    """Decorate a handler of a widget/screen: a ClayError it raises is notified."""

    @functools.wraps(fn)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except ClayError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return None

    return run  # type: ignore[return-value]
