"""Journals written before table edits became dataclasses still replay and undo: the
entries below are exactly what the journal held (op name + JSON payload) before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clay_tui.clock import FixedClock
from clay_tui.config import Settings
from clay_tui.services import tables as ts
from clay_tui.table import registry
from clay_tui.table.lead_table import ROW_ID, write_snapshot
from clay_tui.workspace import Workspace

CSV = "name,zip,employees,score\nAnn,08123,10,1.5\nBob,94107,250,2.0\nCy,00501,,0.5\n"
SIDE = "1.col6.parquet"
OLD_ENTRIES = [
    (1, "set", {"row": 1, "col": "name", "value": "X", "old": "Ann"}, False),
    (2, "add_rows", {"ids": [4], "rows": [{"name": "New"}]}, False),
    (
        3,
        "delete_rows",
        {"ids": [2], "rows": [{"name": "Bob", "zip": "94107", "employees": 250, "score": 2.0}]},
        False,
    ),
    (4, "add_column", {"name": "c", "dtype": "int"}, False),
    (5, "rename_column", {"old": "zip", "new": "postcode"}, False),
    (6, "delete_column", {"name": "score", "index": 3, "dtype": "float", "side": SIDE}, True),
    (
        7,
        "undo",
        {
            "target": 6,
            "op": "restore_column",
            "payload": {"name": "score", "index": 3, "dtype": "float", "side": SIDE},
        },
        False,
    ),
    (8, "merge", {"cells": [[1, "name", "Y", "X"]], "ids": [5], "rows": [{"name": "Imp"}]}, True),
    (
        9,
        "undo",
        {"target": 8, "op": "merge", "payload": {"cells": [[1, "name", "X", "Y"]], "delete": [5]}},
        False,
    ),
    (10, "add_column", {"name": "out", "dtype": "text", "no_undo": True}, False),
    (11, "merge", {"cells": [[3, "name", "Cyd", "Cy"]], "ids": [], "rows": []}, False),
]


def test_an_old_journal_replays_and_undoes(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(CSV, encoding="utf-8")
    with Workspace.open(settings, clock) as ws:
        t = ts.import_table(ws, path)
        t.wait_for_snapshot()
        write_snapshot(t.frame.select(ROW_ID, "score"), ws.tables_dir / SIDE, 6)
        when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat()
        with ws.transaction() as db:
            for seq, op, payload, undone in OLD_ENTRIES:
                registry.append_entry(ws, t.id, seq, op, payload, when)
                if undone:
                    db.execute(
                        "UPDATE table_journal SET undone = 1 WHERE table_id = ? AND seq = ?",
                        (t.id, seq),
                    )
            db.execute("UPDATE tables SET next_row_id = 6 WHERE id = ?", (t.id,))
    with Workspace.open(settings, clock) as ws:
        t = ts.open_table(ws, "leads")
        assert t.columns == ["name", "postcode", "employees", "score", "c", "out"]
        assert t.frame.get_column(ROW_ID).to_list() == [1, 3, 4]
        assert t.frame.get_column("name").to_list() == ["X", "Cyd", "New"]
        assert t.frame.get_column("score").to_list() == [1.5, 0.5, None]
        assert t.undo() == "Undid the import: removed 0 rows and restored 1 cell."
        assert t.undo() == "Renamed column postcode back to zip."
        assert t.undo() == "Removed column c."
        assert t.undo() == "Restored 1 row."
        assert t.row(2)["name"] == "Bob" and t.row(2)["employees"] == 250
        assert t.undo() == "Undid adding 1 row."
        assert t.undo() == "Undid the edit of name in row 1."
        assert t.undo() is None
        assert t.frame.get_column("name").to_list() == ["Ann", "Bob", "Cy"]
