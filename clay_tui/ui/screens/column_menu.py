"""The column menu (right-click a header, or `m` on the current column)."""

from __future__ import annotations

from clay_tui.ui.screens.popup_menu import MenuItem, PopupMenu


def column_menu_items(column: str, enrichment: bool | None = None) -> list[MenuItem]:
    """Items of the column menu; ``enrichment`` is the column's own auto-update switch
    (True/False) when it is an enrichment column, None for a plain input column."""
    items: list[MenuItem] = [
        ("sort_asc", "Sort ascending  (s)"),
        ("sort_desc", "Sort descending  (S)"),
        ("hide", "Hide  (h)"),
        ("rename", "Rename…  (R)"),
        ("delete", "Delete column  (D)"),
        # --- Enrichment slot: "Run Info", "Run", "Edit", "Auto-update" go here, after a
        # separator. "Delete column" on an enrichment column removes the whole enrichment.
        None,
        ("run_info", "Run Info  (i)"),
    ]
    if enrichment is not None:
        items += [
            ("run", "Run…  (r)"),
            ("edit", "Edit column…  (e)"),
            ("auto_update", f"Auto-update: {'on' if enrichment else 'off'}"),
        ]
    return items


class ColumnMenu(PopupMenu):
    """Dismisses with "sort_asc" | "sort_desc" | "hide" | "rename" | "delete" | "run_info"
    | "run" | "edit" | "auto_update" | None."""

    def __init__(
        self, column: str, x: int = 0, y: int = 0, *, enrichment: bool | None = None
    ) -> None:
        super().__init__(column, column_menu_items(column, enrichment), x, y)
        self.column = column
