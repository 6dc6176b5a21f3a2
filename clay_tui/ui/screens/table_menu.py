"""The table menu (the ☰ button beside the table name, or `t`).

Its entries are one registry, ``TABLE_MENU``: a new entry is one more ``MenuEntry``.
"""

from __future__ import annotations

from clay_tui.ui.screens.column_menu import MenuEntry, menu_items
from clay_tui.ui.screens.popup_menu import MenuItem, PopupMenu

TABLE_MENU: list[MenuEntry] = [
    MenuEntry("show_all", "Show all columns  (H)", lambda s: s.action_show_all_columns()),
    MenuEntry("columns", "Columns…  (v)", lambda s: s.action_choose_columns()),
    MenuEntry("save", "Save  (ctrl+s)", lambda s: s.action_save()),
    MenuEntry("export", "Export CSV…  (x)", lambda s: s.action_export_csv()),
    MenuEntry("import_rows", "Add rows from a file…", lambda s: s.menus.import_rows()),
    MenuEntry(
        "new_table_search",
        "New table from a search…  (N)",
        lambda s: s.app.call_later(s.app.run_action, "new_table_search"),
    ),
    MenuEntry(
        "add_enrichment",
        "Add enrichment column…  (+)",
        lambda s: s.action_add_enrichment(),
        separator_before=True,
    ),
    MenuEntry("auto_update", "Auto-update columns: {auto}", lambda s: s.auto.toggle_table()),
]


def table_menu_items(auto_update: bool) -> list[MenuItem]:
    return menu_items(TABLE_MENU, auto_update)


class TableMenu(PopupMenu):
    """Dismisses with the id of one of ``TABLE_MENU``'s entries, or None."""

    def __init__(self, name: str, auto_update: bool, x: int = 0, y: int = 0) -> None:
        super().__init__(name, table_menu_items(auto_update), x, y)
