"""Enrichment results another process committed, folded into an open table as they arrive.

Every cell write takes its table's next number (``cells.seq``, see store.py), so a table open
here reads only the cells written after the last number it saw, never the whole column again.
"""

from __future__ import annotations

import json
from typing import Any

from clay_tui.enrich import store
from clay_tui.enrich.columns import list_columns
from clay_tui.table.lead_table import LeadTable
from clay_tui.table.ops import ROW_ID
from clay_tui.workspace import Workspace


def results_mark(ws: Workspace, table: LeadTable) -> int:
    """Where the table's cell writes stand now: what comes after it is news."""
    store.ensure(ws)
    with ws.lock:
        return store.last_cell_seq(ws, table.id)


def apply_results_after(ws: Workspace, table: LeadTable) -> int:
    """Write the cells committed after the table's ``results_seq`` into its output columns (as
    another process's results: ``remote``, with their states, so the screen shows them and
    auto-update leaves them to whoever ran them) and move ``results_seq`` on; returns how many
    cells were read."""
    with ws.lock:  # never inside another thread's open transaction
        rows = store.cells_after(ws, table.id, table.results_seq)
        if not rows:
            return 0
        specs = {s.id: s for s in list_columns(ws, table)}
        present = set(table.frame.get_column(ROW_ID).to_list())
        values: dict[str, dict[int, Any]] = {}
        states: dict[str, dict[int, str]] = {}
        for row in rows:
            spec = specs.get(row["column_id"])
            rid = row["row_id"]
            if spec is None or rid not in present:
                continue  # a removed column's, or a row not here (yet)
            value = json.loads(row["value"]) if row["value"] else {}
            for fld, col in spec.outputs.items():
                values.setdefault(col, {})[rid] = value.get(fld)
                states.setdefault(col, {})[rid] = str(row["status"])
        for col, by_row in values.items():
            if col in table.columns:
                table.write_results(col, by_row, remote=True, states=states[col])
        table.results_seq = int(rows[-1]["seq"])
        return len(rows)
