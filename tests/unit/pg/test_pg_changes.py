"""The change watcher on a team workspace: LISTEN/NOTIFY, told on COMMIT, never polled."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from credit_helpers import make_settings

from clay_tui.clock import FixedClock
from clay_tui.credits import Ledger
from clay_tui.credits.feed import feed_for
from clay_tui.workspace import Workspace, changes
from clay_tui.workspace.changes import ANY, announce, journal_topic, watcher_for

START = "2026-11-02T09:00:00+00:00"


@pytest.fixture
def two(pg_url: str, tmp_path: Path):
    from datetime import datetime

    settings = dataclasses.replace(make_settings(tmp_path), workspace_url=pg_url)
    clock = FixedClock(datetime.fromisoformat(START))
    a, b = Workspace.open(settings, clock), Workspace.open(settings, clock)
    Ledger(a).balance()  # the ledger's schema, and the plan's grant
    yield a, b
    a.close()
    b.close()


class Heard:
    """What a watcher listener heard, and an event per topic."""

    def __init__(self) -> None:
        self.topics: list[frozenset[str]] = []
        self.cond = threading.Condition()

    def __call__(self, topics: frozenset[str]) -> None:
        with self.cond:
            self.topics.append(topics)
            self.cond.notify_all()

    def wait_for(self, topic: str, timeout: float = 10) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: any(topic in t for t in self.topics), timeout)

    def all(self) -> set[str]:
        with self.cond:
            return set().union(*self.topics) - {ANY}


def test_a_commit_is_told_with_its_topics_a_rollback_never(two, monkeypatch) -> None:
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 60)  # no tick: only NOTIFY can tell it
    a, b = two
    heard = Heard()
    stop = watcher_for(a).subscribe(heard)
    try:
        assert heard.wait_for(ANY)  # listening: everyone looks once
        with pytest.raises(RuntimeError), b.transaction():
            announce(b, journal_topic(7))
            raise RuntimeError("the edit failed")
        with b.transaction():
            announce(b, journal_topic(8))
            announce(b, journal_topic(8))  # once per transaction
        assert heard.wait_for(journal_topic(8))
        with a.transaction():
            announce(a, journal_topic(9))  # our own commit: its writers told us already
        with b.transaction():
            announce(b, "ledger")
        assert heard.wait_for("ledger")
        assert heard.all() == {journal_topic(8), "ledger"}
    finally:
        stop()


def test_another_machines_spend_reaches_the_credit_feed_without_polling(two, monkeypatch) -> None:
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 60)
    a, b = two
    got = threading.Event()
    stop = feed_for(a).subscribe(got.set)
    watcher = watcher_for(a)
    try:
        Ledger(b).purchase(50)
        assert got.wait(10)  # told within a tick it never waited for
        assert Ledger(a).balance().available == Ledger(b).balance().available
        got.clear()
        seen = watcher.ticks
        Ledger(a).purchase(1)  # our own: heard at once (not through the watcher)
        assert got.is_set() and watcher.ticks == seen
    finally:
        stop()
    assert not watcher.running  # the LISTEN thread ends with the last listener


def test_two_workspaces_on_one_database_do_not_hear_each_other(pg_server, tmp_path) -> None:
    """Channels are per database; a workspace is a schema: each has its own channel."""
    settings_a = dataclasses.replace(
        make_settings(tmp_path), workspace_url=pg_server.create_schema()
    )
    settings_b = dataclasses.replace(
        make_settings(tmp_path), workspace_url=pg_server.create_schema()
    )
    with Workspace.open(settings_a) as a, Workspace.open(settings_b) as b:
        assert changes.channel_of(a) != changes.channel_of(b)
        heard = Heard()
        stop = watcher_for(a).subscribe(heard)
        try:
            assert heard.wait_for(ANY)
            with b.transaction():
                announce(b, journal_topic(1))
            with Workspace.open(settings_a) as a2, a2.transaction():
                announce(a2, journal_topic(2))
            assert heard.wait_for(journal_topic(2))
            assert heard.all() == {journal_topic(2)}
        finally:
            stop()


def test_a_lost_listen_connection_is_opened_again(two, monkeypatch) -> None:
    monkeypatch.setattr(changes, "WATCH_INTERVAL", 0.2)
    a, b = two
    heard = Heard()
    watcher = watcher_for(a)
    stop = watcher.subscribe(heard)
    try:
        assert heard.wait_for(ANY)
        channel = changes.channel_of(a)
        killed = b.db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = ?",
            (f'LISTEN "{channel}"',),
        ).fetchall()
        assert [r[0] for r in killed] == [True]  # the watcher's own connection, cut
        for _ in range(100):
            if watcher.reconnects:
                break
            threading.Event().wait(0.05)
        assert watcher.reconnects == 1
        heard.topics.clear()
        assert heard.wait_for(ANY)  # listening again: everyone looks once
        with b.transaction():
            announce(b, journal_topic(3))
        assert heard.wait_for(journal_topic(3))
    finally:
        stop()


def test_closing_the_workspace_ends_the_listen_thread(two, monkeypatch) -> None:
    a, _b = two
    watcher = watcher_for(a)
    heard = Heard()
    watcher.subscribe(heard)  # (a front end that never unsubscribed)
    assert heard.wait_for(ANY)
    thread = watcher._thread
    assert thread is not None
    a.close()
    thread.join(5)
    assert not thread.is_alive()
