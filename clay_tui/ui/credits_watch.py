"""The ledger's commits, as a Textual message: ``CreditsChanged``.

The core tells plain listeners after each commit that changed the credits, from whatever
thread committed (a run's worker, the app itself, the watcher of other processes). A
:class:`CreditsWatch` hands that to its widget as a ``CreditsChanged`` message
(``post_message`` is thread-safe) and keeps at most one waiting: a run committing many
batches while the widget is busy costs one re-read, not one per batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message
from textual.message_pump import MessagePump

from clay_tui.services import credits as credits_service
from clay_tui.workspace import Workspace


class CreditsChanged(Message, bubble=False):
    """The workspace's credits changed: read them again (call ``watch.taken()`` first)."""

    def __init__(self, watch: CreditsWatch) -> None:
        self.watch = watch
        super().__init__()


class CreditsWatch:
    """Post ``CreditsChanged`` to ``target`` after each ledger commit, between start/stop."""

    def __init__(self, target: MessagePump, ws: Workspace) -> None:
        self.target = target
        self.ws = ws
        self._lock = threading.Lock()
        self._waiting = False
        self._stop: Callable[[], None] | None = None

    def start(self) -> None:
        if self._stop is None:
            self._stop = credits_service.watch_credits(self.ws, self._heard)

    def stop(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    def taken(self) -> None:
        """The handler is about to read: a commit from now on posts a new message."""
        with self._lock:
            self._waiting = False

    def _heard(self) -> None:
        with self._lock:
            if self._waiting:
                return
            self._waiting = True
        if not self.target.post_message(CreditsChanged(self)):
            self.taken()  # closing: nothing is waiting
