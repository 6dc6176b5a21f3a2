"""Who wants to hear that the credits changed: listeners called after each ledger commit.

One :class:`CreditFeed` per open workspace (``feed_for``), shared by every :class:`Ledger`
on it. A ledger write marks the open transaction; when that transaction COMMITs, every
listener is called once (from the committing thread, after the commit, never on a
ROLLBACK). Listeners must be quick and thread-safe (a front end hands the news to its own
thread, e.g. Textual's ``post_message``); one that raises is dropped from that call only.

Entries committed by another process (a CLI run in another terminal, a teammate on another
machine) cannot call us directly: the workspace's one change watcher
(``workspace/changes.py``) hears of them, while anyone listens here. On SQLite it says only
that another connection committed (``PRAGMA data_version``), and only then does the feed read
whether the ledger's last id moved; on PostgreSQL the ledger's writes NOTIFY the topic
``ledger`` on COMMIT and the feed hears exactly that, with no polling (our own commits note
where MAX(id) stands, so a look does not take them for another's). Every watcher tick also tells
listeners when a plan renewal falls due, so the balance shows the new period's grant.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from clay_tui.clock import iso
from clay_tui.workspace import Workspace
from clay_tui.workspace.changes import LEDGER, Topics, announce, touches, watcher_for

Listener = Callable[[], None]
log = logging.getLogger(__name__)


def feed_for(ws: Workspace) -> CreditFeed:
    """The workspace's credit feed: one per open workspace."""
    return ws.shared("credit_feed", lambda: CreditFeed(ws))


class CreditFeed:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._unwatch: Callable[[], None] | None = None
        self._seen: int | None | object = _UNSEEN  # MAX(ledger.id) at the last look
        self.renewal_due_at: str | None = None  # set by the ledger after each renewal check

    # ------------------------------------------------------------ listeners
    def subscribe(self, listener: Listener, *, watch: bool = True) -> Callable[[], None]:
        """Call ``listener()`` after every commit that changed the ledger; returns the
        function that unsubscribes. ``watch`` also hears of other processes' commits (the
        workspace's change watcher)."""
        with self._lock:
            self._listeners.append(listener)
            start = watch and self._unwatch is None
            if start:
                self._unwatch = _STARTING
        if start:
            self._seen = _UNSEEN
            with contextlib.suppress(Exception):  # (the next tick looks again)
                self.check_outside()  # where things stand now: what changes after it is news
            unwatch = watcher_for(self.ws).subscribe(self._heard, tick=True)
            with self._lock:
                self._unwatch = unwatch

        def unsubscribe() -> None:
            stop = None
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
                if not self._listeners and self._unwatch not in (None, _STARTING):
                    stop, self._unwatch = self._unwatch, None
            if stop is not None:
                stop()

        return unsubscribe

    @property
    def watching(self) -> bool:
        return self._unwatch is not None

    def wrote(self) -> None:
        """A ledger entry was written: tell the listeners once the transaction commits (and,
        on PostgreSQL, the other connections' watchers)."""
        announce(self.ws, LEDGER)
        self.ws.on_transaction_end(self._ended)

    def _ended(self, committed: bool) -> None:
        if committed:
            self._own_commit()
            self.notify()

    def _own_commit(self) -> None:
        """A look compares MAX(id), which our own commit moves too: note where it stands now,
        so a look does not take it for another process's (what another committed meanwhile
        is in what the listeners read next)."""
        if self._seen is _UNSEEN:
            return
        with self.ws.lock, contextlib.suppress(Exception):  # (the next look reads it anyway)
            self._seen = self.ws.db.execute("SELECT MAX(id) FROM ledger").fetchone()[0]

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:  # a listener's bug must not undo or fail a committed write
                log.exception("credit listener %r failed", listener)

    # ------------------------------------------------------------ other processes
    def _heard(self, topics: Topics) -> None:
        """A watcher tick: ``topics`` is what other connections committed (none: a tick)."""
        try:
            self.check_outside(topics)
        except Exception:  # busy, closed or damaged: the next tick (or the front end) says
            log.debug("credit check failed", exc_info=True)

    def check_outside(self, topics: Topics | None = None) -> bool:
        """Notify (and return True) if another connection changed the ledger since the last
        look, or a renewal fell due. ``topics``: what the watcher heard (None: look anyway);
        the ledger is read only when they may include it."""
        ws = self.ws
        changed = False
        if topics is None or touches(topics, LEDGER):
            with ws.lock:  # never inside another thread's open transaction
                top = ws.db.execute("SELECT MAX(id) FROM ledger").fetchone()[0]
            seen, self._seen = self._seen, top
            changed = seen is not _UNSEEN and seen != top
        due = self.renewal_due_at
        if due is not None and iso(ws.clock.now()) >= due:
            self.renewal_due_at = None  # the listeners' next balance() applies it
            changed = True
        if changed:
            self.notify()
        return changed


_UNSEEN = object()  # no look yet
_STARTING: Callable[[], None] = lambda: None  # noqa: E731 - a placeholder while subscribing
