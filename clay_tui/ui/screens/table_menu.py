"""The table menu (the ☰ button beside the table name, or `t`)."""

from __future__ import annotations

from clay_tui.ui.screens.popup_menu import MenuItem, PopupMenu


def table_menu_items(auto_update: bool) -> list[MenuItem]:
    return [
        ("show_all", "Show all columns  (H)"),
        ("columns", "Columns…  (v)"),
        ("save", "Save  (ctrl+s)"),
        ("export", "Export CSV…  (x)"),
        ("import_rows", "Add rows from a file…"),
        ("new_table_search", "New table from a search…  (N)"),
        None,
        ("add_enrichment", "Add enrichment column…  (+)"),
        ("auto_update", f"Auto-update columns: {'on' if auto_update else 'off'}"),
    ]


class TableMenu(PopupMenu):
    """Dismisses with "show_all" | "columns" | "save" | "export" | "import_rows" | "auto_update"
    | "add_enrichment" | "new_table_search" | None."""

    def __init__(self, name: str, auto_update: bool, x: int = 0, y: int = 0) -> None:
        super().__init__(name, table_menu_items(auto_update), x, y)
