"""The store writes only the states of the vocabulary, as the strings SQLite always held."""

from __future__ import annotations

import pytest

from clay_tui.enrich import store
from clay_tui.states import CellState


def _write(ws, row_id: int, status: str) -> None:
    with ws.transaction():
        store.write_cell(
            ws,
            table_id=1,
            column_id=1,
            row_id=row_id,
            status=status,
            value=None,
            provider=None,
            credits=0,
            run_id=None,
            at="2026-01-01T00:00:00+00:00",
            error=None,
            sandbox=None,
        )


def test_every_state_is_stored_as_its_string(sbx_ws) -> None:
    store.ensure(sbx_ws)
    for i, state in enumerate(CellState):
        _write(sbx_ws, i, state)
    stored = store.cell_states(sbx_ws, 1, 1)
    assert stored == {i: s.value for i, s in enumerate(CellState)}
    assert all(type(v) is str for v in stored.values())


def test_an_unknown_state_is_never_stored(sbx_ws) -> None:
    store.ensure(sbx_ws)
    with pytest.raises(ValueError):
        _write(sbx_ws, 7, "done-ish")
    assert store.cell_states(sbx_ws, 1, 1) == {}
