"""Table edits as dataclasses: each applies idempotently, its inverse undoes it, and its
journal form decodes back to the same edit."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from clay_tui.table.edits import (
    AddColumn,
    AddRows,
    DeleteRows,
    Edit,
    Merge,
    RenameColumn,
    SetCell,
    Undo,
    decode_edit,
    decode_entry,
)
from clay_tui.table.ops import ROW_ID

FRAME = pl.DataFrame({ROW_ID: [1, 2, 3], "name": ["Ann", "Bob", "Cy"], "n": [1, 2, None]})
EDITS: list[Edit] = [
    SetCell(2, "name", "Bo", "Bob"),
    AddRows((4,), ({"name": "Dee", "n": 4},)),
    DeleteRows((1, 3), ({"name": "Ann", "n": 1}, {"name": "Cy", "n": None})),
    Merge(cells=((1, "name", "Anne", "Ann"),), ids=(5,), rows=({"name": "Eve"},)),
    RenameColumn("name", "first_name"),
    AddColumn("email", "text", no_undo=True),
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: type(e).__name__)
def test_apply_is_idempotent_and_the_inverse_undoes(edit: Edit, tmp_path: Path) -> None:
    once = edit.apply(FRAME, tmp_path)
    assert edit.apply(once, tmp_path).equals(once)
    assert not once.equals(FRAME)
    inverse, sentence = edit.inverse()
    assert sentence
    assert inverse.apply(once, tmp_path).select(FRAME.columns).equals(FRAME)


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: type(e).__name__)
def test_the_journal_form_decodes_back(edit: Edit) -> None:
    assert decode_edit(edit.op, edit.payload()) == edit
    inverse, _ = edit.inverse()
    undo = Undo(7, inverse)
    assert decode_entry("undo", undo.payload()) == undo


def test_an_unknown_op_is_refused() -> None:
    with pytest.raises(ValueError):
        decode_edit("shuffle", {})
