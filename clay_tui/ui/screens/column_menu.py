"""The column menu (right-click a header, or `m` on the current column)."""

from __future__ import annotations

from clay_tui.ui.screens.popup_menu import MenuItem, PopupMenu


def column_menu_items(column: str) -> list[MenuItem]:
    """Items of the column menu; later issues add theirs in the marked slot."""
    return [
        ("sort_asc", "Sort ascending  (s)"),
        ("sort_desc", "Sort descending  (S)"),
        ("hide", "Hide  (h)"),
        ("rename", "Rename…  (R)"),
        ("delete", "Delete column  (D)"),
        # --- Enrichment slot: "Run Info", "Edit column", "Run" (added by the enrichment
        # issues for enrichment columns) go here, after a separator.
    ]


class ColumnMenu(PopupMenu):
    """Dismisses with "sort_asc" | "sort_desc" | "hide" | "rename" | "delete" | None."""

    def __init__(self, column: str, x: int = 0, y: int = 0) -> None:
        super().__init__(column, column_menu_items(column), x, y)
        self.column = column
