"""The edit journal on a team workspace, at the workspace level (tables themselves do not live
on PostgreSQL yet): seqs are taken under the write lock, so two machines appending at once
never collide or skip, and every append is announced to the other watchers on COMMIT."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from credit_helpers import make_settings

from clay_tui.table import registry
from clay_tui.workspace import Workspace, changes
from clay_tui.workspace.changes import ANY, journal_topic, watcher_for

JOURNAL = registry.SCHEMA[registry.SCHEMA.index("CREATE TABLE IF NOT EXISTS table_journal") :]


def _append(ws: Workspace, text: str) -> int:
    """What ``JournaledTable._commit_with`` does: the next seq, read and taken in one write
    transaction."""
    with ws.transaction() as db:
        last = db.execute("SELECT MAX(seq) FROM table_journal WHERE table_id = 1").fetchone()[0]
        seq = (last or 0) + 1
        registry.append_entry(ws, 1, seq, "set", {"value": text, "by": ws.settings.user}, "t")
    return seq


def test_two_members_appending_at_once_take_every_seq_once(pg_url: str, tmp_path: Path) -> None:
    base = dataclasses.replace(make_settings(tmp_path), workspace_url=pg_url)
    with Workspace.open(base) as setup:
        setup.db.executescript(JOURNAL)
    heard: list[frozenset[str]] = []
    got = threading.Event()

    def listen(topics: frozenset[str]) -> None:
        heard.append(topics)
        if journal_topic(1) in topics:
            got.set()

    watching = Workspace.open(dataclasses.replace(base, user="cy"))
    stop = watcher_for(watching).subscribe(listen)
    try:
        errors: list[BaseException] = []

        def member(name: str) -> None:
            try:
                with Workspace.open(dataclasses.replace(base, user=name)) as ws:
                    for i in range(60):
                        _append(ws, f"{name}-{i}")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=member, args=(n,)) for n in ("ann", "bob")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        rows = watching.db.execute("SELECT seq, payload FROM table_journal ORDER BY seq").fetchall()
        assert [r[0] for r in rows] == list(range(1, 121))  # none lost, none twice
        assert sum('"by":"ann"' in r[1] for r in rows) == 60
        assert got.wait(10)  # and the third connection was told
        assert set().union(*heard) - {ANY} == {journal_topic(1)}
    finally:
        stop()
        watching.close()
    assert changes.watcher_for(watching).running is False
