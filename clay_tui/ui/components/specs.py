"""The enrichment column that fills a grid column, for the table screen's parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clay_tui.services.enrich import ColumnSpec
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace


def owning_spec(ws: Workspace, table: LeadTable, column: str) -> ColumnSpec | None:
    """Run Info's ``owning_spec``, imported when first needed: start-up (the screens the
    table screen opens load when first opened)."""
    from clay_tui.ui.screens.run_info_screen import owning_spec as find

    return find(ws, table, column)
