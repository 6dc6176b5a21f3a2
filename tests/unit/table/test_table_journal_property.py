"""Property: any run of edits, saves and undos survives a reopen; undo walks back exactly."""

from __future__ import annotations

import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clay_tui.clock import FixedClock
from clay_tui.config import DEFAULT_CONFIG, parse_settings
from clay_tui.errors import ClayError
from clay_tui.services import tables as ts
from clay_tui.workspace import Workspace

CSV = "name,employees,score\nAnn,10,1.5\nBob,20,2.5\nCy,,0.5\nDi,40,\n"

op = st.one_of(
    st.tuples(
        st.just("set"),
        st.integers(1, 8),
        st.sampled_from(["name", "employees", "score"]),
        st.one_of(st.none(), st.sampled_from(["x", "7", "3.5", "", "-2"])),
    ),
    st.tuples(st.just("add"), st.sampled_from(["Eve", None])),
    st.tuples(st.just("delete"), st.lists(st.integers(1, 8), max_size=3)),
    st.tuples(
        st.just("rename"),
        st.sampled_from(["name", "employees", "score", "n2"]),
        st.sampled_from(["n2", "name"]),
    ),
    st.tuples(st.just("add_column"), st.sampled_from(["extra", "n3"])),
    st.tuples(st.just("delete_column"), st.sampled_from(["score", "extra", "n2"])),
    st.tuples(st.just("undo")),
    st.tuples(st.just("save")),
)


def apply(t, step) -> bool:
    """Run one step; True if it changed the table (an undoable user change)."""
    kind = step[0]
    try:
        if kind == "set":
            t.set_cell(step[1], step[2], step[3])
        elif kind == "add":
            t.add_row({"name": step[1]} if step[1] and "name" in t.columns else None)
        elif kind == "delete":
            return t.delete_rows(step[1]) > 0
        elif kind == "rename":
            if step[1] == step[2]:
                return False
            t.rename_column(step[1], step[2])
        elif kind == "add_column":
            t.add_column(step[1])
        elif kind == "delete_column":
            t.delete_column(step[1])
        elif kind == "undo":
            t.undo()
            return False
        else:
            t.save()
            return False
    except ClayError:
        return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=14))
def test_reopen_reproduces_the_frame_and_undo_walks_back(steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "t.csv").write_text(CSV, encoding="utf-8")
        raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
        cfg = parse_settings(raw, "<test>", root / "ws")
        clock = FixedClock(datetime(2026, 11, 15, tzinfo=UTC))
        with Workspace.open(cfg, clock) as ws:
            t = ts.import_table(ws, root / "t.csv")
            history: list[pl.DataFrame] = [t.frame]
            for step in steps:
                if step[0] == "undo":
                    if t.undo() is not None:
                        history.pop()
                        assert t.frame.equals(history[-1])
                    continue
                if apply(t, step):  # journaled: one more thing to undo
                    history.append(t.frame)
            final = t.frame
            t.wait_for_snapshot()
        with Workspace.open(cfg, clock) as ws:
            again = ts.open_table(ws, "t")
            assert again.frame.equals(final)
            assert again.frame.get_column("_row_id").is_sorted()
            while again.undo() is not None:
                pass
            assert again.frame.equals(history[0])
