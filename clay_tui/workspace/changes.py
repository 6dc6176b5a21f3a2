"""What other processes committed to this workspace: one watcher per open workspace.

A table open in the TUI must see another person's edits and enrichment results arrive, and
the status bar another terminal's credit spend. Whoever wants to hear of such commits
subscribes here (``watcher_for(ws).subscribe``); one thread per workspace watches for all of
them, only while anyone listens:

- **SQLite** (a folder): every ``WATCH_INTERVAL`` seconds it asks ``PRAGMA data_version``,
  which moves when another connection committed and reads no table. SQLite cannot say what
  changed: listeners hear ``ANY`` and look for themselves (one index lookup each).
- **PostgreSQL** (a team): a dedicated connection LISTENs on the workspace's channel. A write
  transaction that touches a table's journal, its cells or the ledger calls ``announce`` with
  that topic; PostgreSQL delivers it on COMMIT (never on ROLLBACK), so listeners hear exactly
  which topics moved, within milliseconds, and nothing is polled. Our own connection's
  notifications are dropped (our own commits already told their listeners).

Each tick also calls the listeners that asked for ticks (``tick=True``) with no topics: the
credit feed uses it to notice a plan renewal falling due. Listeners run on the watcher thread:
they must be quick and thread-safe; one that raises is logged and kept.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

from clay_tui.workspace.backend import POSTGRESQL
from clay_tui.workspace.workspace import Workspace

WATCH_INTERVAL = 1.0  # seconds; on SQLite another process's commit shows within this
BURST_S = 0.05  # PostgreSQL: notifications this close together are told as one
STOP_CHECK_S = 0.25  # PostgreSQL: how long a wait for notifications lasts before looking again
ANY = "*"  # "something changed" (SQLite cannot say what)
LEDGER = "ledger"

Topics = frozenset[str]
Listener = Callable[[Topics], None]
log = logging.getLogger(__name__)


def journal_topic(table_id: int) -> str:
    return f"journal:{table_id}"


def cells_topic(table_id: int) -> str:
    return f"cells:{table_id}"


def touches(topics: Topics, *wanted: str) -> bool:
    """True if ``topics`` (what a tick heard) may include any of ``wanted``."""
    return ANY in topics or any(t in topics for t in wanted)


def watcher_for(ws: Workspace) -> ChangeWatcher:
    """The workspace's one change watcher."""
    return ws.shared("change_watcher", lambda: ChangeWatcher(ws))


def announce(ws: Workspace, topic: str) -> None:
    """The open write transaction changed ``topic``: on PostgreSQL, NOTIFY the watchers of
    every other connection when it commits (once per topic per transaction). Nothing to do
    on SQLite, whose ``data_version`` moves by itself."""
    if ws.dialect is not POSTGRESQL or not ws.in_transaction:
        return
    sent: set[str] = ws.shared("change_topics_sent", set)
    if topic in sent:
        return
    if not sent:
        ws.on_transaction_end(lambda _committed: sent.clear())
    sent.add(topic)
    ws.db.execute("SELECT pg_notify(?, ?)", (channel_of(ws), topic))


def channel_of(ws: Workspace) -> str:
    """The NOTIFY channel of a PostgreSQL workspace: one per schema (channels are per
    database, and a database may hold several workspaces)."""

    def make() -> str:
        schema = ws.db.execute("SELECT current_schema()").fetchone()[0]
        return f"clay.{schema}"[:63]

    return ws.shared("change_channel", make)


class ChangeWatcher:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._listeners: dict[Listener, bool] = {}  # listener -> wants ticks
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._version: int | None = None
        self.ticks = 0  # how many times the watcher looked (tests wait on it)
        self.reconnects = 0  # PostgreSQL: how many times the LISTEN connection was lost

    def subscribe(self, listener: Listener, *, tick: bool = False) -> Callable[[], None]:
        """Call ``listener(topics)`` (on the watcher thread) after other connections commit;
        with ``tick``, also at every tick with no topics. Returns the unsubscribe function;
        the thread stops with the last listener."""
        sqlite = self.ws.dialect is not POSTGRESQL
        version = None
        if sqlite and self._thread is None:  # (read outside our lock: it takes the workspace's)
            with contextlib.suppress(Exception):  # (the thread tries again)
                version = self._data_version()  # what changes after this is news
        with self._lock:
            self._listeners[listener] = tick
            if self._thread is None:
                self._stop = threading.Event()
                self._version = version
                target = self._watch_sqlite if sqlite else self._watch_postgresql
                self._thread = threading.Thread(
                    target=target, args=(self._stop,), name="workspace-watch", daemon=True
                )
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(listener, None)
                if not self._listeners and self._thread is not None:
                    self._stop.set()
                    self._thread = None

        return unsubscribe

    @property
    def running(self) -> bool:
        return self._thread is not None

    # ------------------------------------------------------------ telling
    def deliver(self, topics: Topics) -> None:
        """Tell the listeners (``topics`` empty: a tick, told only to those who want ticks)."""
        with self._lock:
            listeners = [f for f, tick in self._listeners.items() if topics or tick]
        for listener in listeners:
            try:
                listener(topics)
            except Exception:  # one listener's bug must not silence the others
                log.exception("change listener %r failed", listener)

    # ------------------------------------------------------------ SQLite
    def _data_version(self) -> int:
        with self.ws.lock:  # never inside another thread's open transaction
            return int(self.ws.db.execute("PRAGMA data_version").fetchone()[0])

    def check_sqlite(self) -> Topics:
        """One look: ``{ANY}`` if another connection committed since the last, else none."""
        version = self._data_version()
        seen, self._version = self._version, version
        return frozenset({ANY}) if seen is not None and seen != version else frozenset()

    def _watch_sqlite(self, stop: threading.Event) -> None:
        while not stop.wait(WATCH_INTERVAL):
            try:
                topics = self.check_sqlite()
            except sqlite3.OperationalError:
                continue  # busy: try again at the next tick
            except Exception:  # closed or damaged: the front end's own reads say so
                return
            self.ticks += 1
            self.deliver(topics)

    # ------------------------------------------------------------ PostgreSQL
    def _watch_postgresql(self, stop: threading.Event) -> None:
        """Listen until ``stop``; a lost connection (a server restart, a network cut) is
        opened again after a tick, and everyone looks once (what was missed meanwhile)."""
        while not stop.is_set() and not self._closed():
            try:
                for topics in self._listen(stop):
                    self.ticks += 1
                    self.deliver(topics)
            except Exception:  # the front end's own reads say what is wrong, if it lasts
                if self._closed():
                    return  # the workspace was closed under us: nothing left to tell
                log.warning(
                    "lost the team workspace's notifications; listening again", exc_info=True
                )
                self.reconnects += 1
                stop.wait(WATCH_INTERVAL)

    def _closed(self) -> bool:
        """The workspace's own connection was closed (the workspace is closed)."""
        return bool(self.ws.db.conn.closed)  # type: ignore[attr-defined]

    def _listen(self, stop: threading.Event) -> Iterator[Topics]:
        """Each tick's topics, from a dedicated LISTEN connection, until ``stop``."""
        import psycopg  # (loaded only for a team workspace, as in workspace.open)
        from psycopg import sql

        ws = self.ws
        url = ws.url  # type: ignore[attr-defined]
        with ws.lock:
            channel = channel_of(ws)
            own = ws.db.conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            # what was committed between subscribing and listening was never announced to
            # us: everyone looks once now
            yield frozenset({ANY})
            last_tick = time.monotonic()
            while not stop.is_set() and not self._closed():
                # wait a moment for the first notification (then look at ``stop`` again),
                # and gather the burst that came with it (a run commits a batch at a time)
                notes = list(conn.notifies(timeout=STOP_CHECK_S, stop_after=1))
                if notes:
                    notes += conn.notifies(timeout=BURST_S)
                topics = {n.payload for n in notes if n.pid != own and n.channel == channel}
                now = time.monotonic()
                if (topics or now - last_tick >= WATCH_INTERVAL) and not stop.is_set():
                    last_tick = now
                    yield frozenset(topics)
