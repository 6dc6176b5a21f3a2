"""Tables that stay live: an open table sees other people's edits and results arrive.

``follow_table`` subscribes a front end to a table's changes and, while it listens, keeps the
in-memory table level with what other processes (other terminals, other machines on a team
workspace) commit: the workspace's one change watcher (``workspace/changes.py``) says when
something was committed; the table replays the journal entries it has not applied and reads
the enrichment results written since it last looked. The front end hears each of those as the
``TableChange`` it already handles (``remote=True``), on the watcher's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from clay_tui.enrich.arrived import apply_results_after
from clay_tui.table.changes import TableChange
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace
from clay_tui.workspace.changes import Topics, cells_topic, journal_topic, touches, watcher_for

log = logging.getLogger(__name__)


class TableFollower:
    """Keeps one open table level with other processes' commits."""

    def __init__(self, ws: Workspace, table: LeadTable) -> None:
        self.ws = ws
        self.table = table
        self._lock = threading.Lock()  # one catch-up at a time

    def heard(self, topics: Topics) -> None:
        """The watcher heard ``topics`` committed elsewhere: catch up with what is ours."""
        journal = touches(topics, journal_topic(self.table.id))
        cells = touches(topics, cells_topic(self.table.id))
        if not (journal or cells):
            return
        try:
            self.catch_up(journal=journal, cells=cells)
        except Exception:  # busy or closing: the next commit (or the user's next edit) catches up
            log.debug("catching up with table %s failed", self.table.id, exc_info=True)

    def catch_up(self, *, journal: bool = True, cells: bool = True) -> None:
        with self._lock:
            if journal:
                self.table.refresh()  # edits first: a result may be for a row or column they add
            if cells:  # those written after the ones the table holds (its ``results_seq``)
                apply_results_after(self.ws, self.table)


def follow_table(
    ws: Workspace, table: LeadTable, listener: Callable[[TableChange], None]
) -> Callable[[], None]:
    """``table.subscribe(listener)``, and live: other processes' edits and results reach the
    table (and so ``listener``) while subscribed. Returns the function that stops both."""
    unsubscribe = table.subscribe(listener)
    unfollow = follow_others(ws, table)

    def stop() -> None:
        unfollow()
        unsubscribe()

    return stop


def follow_others(ws: Workspace, table: LeadTable) -> Callable[[], None]:
    """Other processes' edits and results reach ``table`` (as its own changes, to whoever
    subscribes) until the returned function is called. The table screen starts this after
    its first paint (start-up: this module loads the engine's result reading)."""
    follower = TableFollower(ws, table)
    return watcher_for(ws).subscribe(follower.heard)
