"""Who wants to hear that the credits changed: listeners called after each ledger commit.

One :class:`CreditFeed` per open workspace (``feed_for``), shared by every :class:`Ledger`
on it. A ledger write marks the open transaction; when that transaction COMMITs, every
listener is called once (from the committing thread, after the commit, never on a
ROLLBACK). Listeners must be quick and thread-safe (a front end hands the news to its own
thread, e.g. Textual's ``post_message``); one that raises is dropped from that call only.

Entries committed by another process (a CLI run in another terminal) or another connection
cannot call us: SQLite has no cross-connection hook. So, while anyone listens, one watcher
thread per workspace asks SQLite every ``WATCH_INTERVAL`` seconds whether any other
connection committed (``PRAGMA data_version``, which reads no table) and, only then,
whether the ledger's last id moved (a team workspace on PostgreSQL has no such counter:
there the tick reads MAX(id), and our own commits note it). That tick is the single poller
in the program; it also tells listeners when a plan renewal falls due, so the balance shows
the new period's grant.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable

from clay_tui.clock import iso
from clay_tui.workspace import Workspace

WATCH_INTERVAL = 1.0  # seconds; a change made in another terminal shows within this
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
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._seen: tuple[int | None, int | None] | None = None  # (data_version, MAX(ledger.id))
        self.renewal_due_at: str | None = None  # set by the ledger after each renewal check

    # ------------------------------------------------------------ listeners
    def subscribe(self, listener: Listener, *, watch: bool = True) -> Callable[[], None]:
        """Call ``listener()`` after every commit that changed the ledger; returns the
        function that unsubscribes. ``watch`` also starts the watcher for other processes."""
        with self._lock:
            self._listeners.append(listener)
            watcher = None
            if watch and self._watcher is None:
                self._stop = threading.Event()
                watcher = self._watcher = threading.Thread(
                    target=self._watch, args=(self._stop,), name="credit-watch", daemon=True
                )
        if watcher is not None:
            self._seen = None
            with contextlib.suppress(Exception):  # (the watcher tries again)
                self.check_outside()  # where things stand now: what changes after it is news
            watcher.start()

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
                if not self._listeners and self._watcher is not None:
                    self._stop.set()
                    self._watcher = None

        return unsubscribe

    def wrote(self) -> None:
        """A ledger entry was written: tell the listeners once the transaction commits."""
        self.ws.on_transaction_end(self._ended)

    def _ended(self, committed: bool) -> None:
        if committed:
            self._own_commit()
            self.notify()

    def _own_commit(self) -> None:
        """On PostgreSQL the watch compares MAX(id) alone, which our own commit moves too: note
        where it stands now, so the watch does not take it for another process's (what another
        committed meanwhile is in what the listeners read next)."""
        if self._seen is None or self.ws.dialect.name == "sqlite":  # (data_version: others only)
            return
        with self.ws.lock, contextlib.suppress(Exception):  # (the watch looks again anyway)
            self._seen = (None, self.ws.db.execute("SELECT MAX(id) FROM ledger").fetchone()[0])

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:  # a listener's bug must not undo or fail a committed write
                log.exception("credit listener %r failed", listener)

    # ------------------------------------------------------------ other processes
    def check_outside(self) -> bool:
        """Notify (and return True) if another connection changed the ledger since the last
        check, or a renewal fell due. Cheap: one pragma unless something was committed."""
        ws = self.ws
        with ws.lock:  # never inside another thread's open transaction
            # PostgreSQL has no per-connection commit counter: there MAX(id) (one index
            # lookup) is read every tick
            sqlite = ws.dialect.name == "sqlite"
            version = ws.db.execute("PRAGMA data_version").fetchone()[0] if sqlite else None
            seen = self._seen
            if seen is None or version is None or seen[0] != version:
                top = ws.db.execute("SELECT MAX(id) FROM ledger").fetchone()[0]
                self._seen = (version, top)
                changed = seen is not None and seen[1] != top
            else:
                changed = False
        due = self.renewal_due_at
        if due is not None and iso(ws.clock.now()) >= due:
            self.renewal_due_at = None  # the listeners' next balance() applies it
            changed = True
        if changed:
            self.notify()
        return changed

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(WATCH_INTERVAL):
            try:
                self.check_outside()
            except sqlite3.OperationalError:
                continue  # busy: try again at the next tick
            except Exception:  # (sqlite3's or the PostgreSQL driver's)
                return  # closed or damaged: the front end's own reads say so
