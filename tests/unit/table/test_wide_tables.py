"""Wide tables (issue 10, item 8): thousands of columns import and read in linear time.

Not timed against a wall clock (bench/wide_table.py measures): each test does work that
was quadratic in the column count, sized so the old code ran for minutes and the new one
for a fraction of a second, under a per-test timeout far above the latter.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from clay_tui.services import tables as ts
from clay_tui.table.view import TableView
from clay_tui.workspace import Workspace

COLUMNS = 20_000


def wide_csv(path: Path, columns: int = COLUMNS) -> Path:
    kinds = ["{i}", "text {i}", "{i}.5", "true", "2024-01-02"]
    path.write_text(
        ",".join(f"col_{i}" for i in range(columns))
        + "\n"
        + ",".join(kinds[i % len(kinds)].format(i=i) for i in range(columns))
        + "\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.timeout(60)  # the import takes well under a second; it took minutes
def test_a_20000_column_file_imports_with_its_types(workspace: Workspace, tmp_path: Path) -> None:
    table = ts.import_table(workspace, wide_csv(tmp_path / "wide.csv"))
    assert table.row_count == 1 and len(table.columns) == COLUMNS
    labels = [table.dtype_label(c) for c in table.columns]  # each read the whole schema
    assert labels[:5] == [
        table.dtype_label("col_0"),
        "text",
        table.dtype_label("col_2"),
        "bool",
        "date",
    ]
    assert labels[0] != "text" and labels[2] != "text"
    assert labels[5:10] == labels[:5] and labels[-1] == labels[(COLUMNS - 1) % 5]
    view = TableView(table)
    assert view.visible_columns == table.columns
    assert view.slice(0, 1).row(0)[1:4] == (0, "text 1", 2.5)


def test_a_wide_view_slices_without_naming_every_column(
    workspace: Workspace, tmp_path: Path, monkeypatch
) -> None:
    """The grid slices the view per window and per width sample: selecting 20,000 columns by
    name built 20,000 Polars expressions each time."""
    table = ts.import_table(workspace, wide_csv(tmp_path / "wide.csv", columns=2000))
    view = TableView(table)
    named: list[int] = []
    select = pl.DataFrame.select

    def spy(frame: pl.DataFrame, *exprs: object, **named_exprs: object) -> pl.DataFrame:
        for e in exprs:
            named.append(len(e) if isinstance(e, list) else 1)
        return select(frame, *exprs, **named_exprs)

    monkeypatch.setattr(pl.DataFrame, "select", spy)
    whole = view.slice(0, 1)
    assert whole.columns == ["_row_id", *table.columns]
    view.hide("col_1")
    assert view.slice(0, 1).columns == ["_row_id", "col_0", *table.columns[2:]]
    view.set_sort("col_0", descending=True)
    assert view.slice(0, 1).row(0)[:3] == (1, 0, 2.5)
    assert sum(named) < 10  # no expression per column
