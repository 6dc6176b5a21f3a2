"""The credit feed: listeners hear of each ledger commit once, never of a rollback."""

from __future__ import annotations

import threading

import pytest
from credit_helpers import ctx

from clay_tui.credits import Ledger
from clay_tui.credits.feed import feed_for
from clay_tui.workspace import Workspace


@pytest.fixture
def heard(workspace) -> list[int]:
    Ledger(workspace)  # schema + the plan grant, before anyone listens
    calls: list[int] = []
    unsubscribe = feed_for(workspace).subscribe(lambda: calls.append(1), watch=False)
    yield calls
    unsubscribe()


def test_each_commit_is_heard_once(workspace, heard) -> None:
    ledger = Ledger(workspace)
    ledger.purchase(10)
    assert len(heard) == 1
    ledger.capture(ledger.reserve(3, "one", context=ctx()), 2)  # two commits: hold, charge
    assert len(heard) == 3
    with workspace.transaction():  # a batch: many entries, one commit
        for i in range(5):
            ledger.capture(ledger.reserve(1, f"b{i}", context=ctx(i)), 1)
        assert len(heard) == 3  # nothing is said before the commit
    assert len(heard) == 4


def test_a_rollback_is_not_heard(workspace, heard) -> None:
    ledger = Ledger(workspace)
    with pytest.raises(RuntimeError), workspace.transaction():
        ledger.purchase(10)
        ledger.capture(ledger.reserve(3, "one", context=ctx()), 3)
        raise RuntimeError("the cell write failed")
    assert heard == []
    assert ledger.balance().available == 2000
    ledger.purchase(1)  # and the next commit is heard as usual
    assert len(heard) == 1


def test_a_commit_without_ledger_entries_is_not_heard(workspace, heard) -> None:
    Ledger(workspace).balance()
    with workspace.transaction():
        workspace.db.execute("CREATE TABLE other (x INTEGER)")  # (typed: PostgreSQL)
    assert heard == []


def test_every_ledger_on_the_workspace_is_heard(workspace, heard) -> None:
    Ledger(workspace).purchase(5)
    Ledger(workspace).purchase(6)
    assert len(heard) == 2


def test_a_failing_listener_does_not_fail_the_commit(workspace, heard) -> None:
    def broken() -> None:
        raise ValueError("listener bug")

    unsubscribe = feed_for(workspace).subscribe(broken, watch=False)
    try:
        Ledger(workspace).purchase(5)
    finally:
        unsubscribe()
    assert len(heard) == 1
    assert Ledger(workspace).balance().available == 2005


def test_unsubscribed_listeners_are_not_called(workspace, heard) -> None:
    calls: list[int] = []
    unsubscribe = feed_for(workspace).subscribe(lambda: calls.append(1), watch=False)
    unsubscribe()
    Ledger(workspace).purchase(5)
    assert calls == [] and len(heard) == 1


def test_another_processes_entries_are_heard_by_the_watch(
    workspace, heard, settings, clock
) -> None:
    feed = feed_for(workspace)
    assert feed.check_outside() is False  # the first look only notes where things stand
    assert feed.check_outside() is False
    other = Workspace.open(settings, clock)
    try:
        Ledger(other).purchase(50)
    finally:
        other.close()
    assert feed.check_outside() is True
    assert len(heard) == 1
    assert feed.check_outside() is False  # said once
    Ledger(workspace).purchase(1)  # our own commit is heard at once, not by the watch
    assert len(heard) == 2
    assert feed.check_outside() is False


def test_the_watch_thread_runs_only_while_someone_listens(workspace, monkeypatch) -> None:
    from clay_tui.workspace import changes

    monkeypatch.setattr(changes, "WATCH_INTERVAL", 0.01)
    Ledger(workspace)
    feed = feed_for(workspace)
    heard = threading.Event()
    unsubscribe = feed.subscribe(heard.set)
    watcher = changes.watcher_for(workspace)._thread
    assert watcher is not None and watcher.is_alive()
    other = Workspace.open(workspace.settings, workspace.clock)
    try:
        Ledger(other).purchase(50)
    finally:
        other.close()
    assert heard.wait(5)
    unsubscribe()
    watcher.join(5)
    assert not watcher.is_alive()


def test_a_renewal_falling_due_is_heard_by_the_watch(workspace, heard, clock) -> None:
    ledger = Ledger(workspace)
    feed = feed_for(workspace)
    feed.check_outside()
    assert feed.check_outside() is False
    clock.advance(days=40)  # past the next monthly renewal: nobody has asked for the balance
    assert feed.check_outside() is True and len(heard) == 1
    assert feed.check_outside() is False  # said once; the listener's balance() applies it
    assert ledger.balance().available == 4000
    assert len(heard) == 2  # and the renewal's grant is a commit like any other
