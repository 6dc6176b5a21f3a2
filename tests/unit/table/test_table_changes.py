"""What a table tells its listeners: results carry their rows' states (pushed, not re-read)."""

from __future__ import annotations

from pathlib import Path

from clay_tui.services import tables as ts
from clay_tui.table.changes import TableChange
from clay_tui.workspace import Workspace


def test_results_carry_the_states_of_the_rows_written(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("name\nAna\nBob\nCy\n", encoding="utf-8")
    t = ts.import_table(workspace, path)
    t.add_column("Email", undoable=False)
    heard: list[TableChange] = []
    t.subscribe(heard.append)
    t.delete_rows([3])
    heard.clear()
    states = {1: "found", 2: "no data", 3: "error"}  # row 3 is gone: not told
    t.write_results("Email", {1: "a@x.io", 2: None, 3: None}, states=states)
    (change,) = heard
    assert change.kind == "results" and change.row_ids == (1, 2)
    assert change.states == {1: "found", 2: "no data"}
    heard.clear()
    t.write_results("Email", {1: "b@x.io"})  # results put back from storage: states unknown
    assert heard[0].states is None
