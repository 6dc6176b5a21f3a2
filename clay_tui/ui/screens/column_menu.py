"""The column menu (right-click a header, or `m` on the current column).

Its entries are one registry, ``COLUMN_MENU``: a new entry is one more ``MenuEntry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clay_tui.ui.screens.popup_menu import MenuItem, PopupMenu

if TYPE_CHECKING:
    from clay_tui.ui.screens.table_screen import TableScreen


@dataclass(frozen=True)
class MenuEntry:
    """One item of a menu: what it says and what it does on the table screen."""

    id: str  # the menu item's id (unique within its menu)
    label: str  # "{auto}" becomes the switch's "on"/"off"
    run: Callable[[TableScreen], None]
    enrichment_only: bool = False  # only on an enrichment column (column menu)
    separator_before: bool = False


COLUMN_MENU: list[MenuEntry] = [
    MenuEntry("sort_asc", "Sort ascending  (s)", lambda s: s.action_sort_asc()),
    MenuEntry("sort_desc", "Sort descending  (S)", lambda s: s.action_sort_desc()),
    MenuEntry("hide", "Hide  (h)", lambda s: s.action_hide_column()),
    MenuEntry("rename", "Rename…  (R)", lambda s: s.action_rename_column()),
    # "Delete column" on an enrichment column removes the whole enrichment
    MenuEntry("delete", "Delete column  (D)", lambda s: s.action_delete_column()),
    MenuEntry("run_info", "Run Info  (i)", lambda s: s.action_run_info(), separator_before=True),
    MenuEntry("run", "Run…  (r)", lambda s: s.action_run_column(), enrichment_only=True),
    MenuEntry("edit", "Edit column…  (e)", lambda s: s.action_edit_column(), enrichment_only=True),
    MenuEntry(
        "auto_update",
        "Auto-update: {auto}",
        lambda s: s.auto.toggle_column(),
        enrichment_only=True,
    ),
]


def menu_items(entries: list[MenuEntry], auto: bool | None) -> list[MenuItem]:
    """Popup items of ``entries``; ``auto`` None leaves out the enrichment-only ones."""
    items: list[MenuItem] = []
    for entry in entries:
        if entry.enrichment_only and auto is None:
            continue
        if entry.separator_before:
            items.append(None)
        items.append((entry.id, entry.label.format(auto="on" if auto else "off")))
    return items


def column_menu_items(column: str, enrichment: bool | None = None) -> list[MenuItem]:
    """Items of the column menu; ``enrichment`` is the column's own auto-update switch
    (True/False) when it is an enrichment column, None for a plain input column."""
    return menu_items(COLUMN_MENU, enrichment)


def chosen_entry(entries: list[MenuEntry], choice: str | None) -> MenuEntry | None:
    return next((e for e in entries if e.id == choice), None)


class ColumnMenu(PopupMenu):
    """Dismisses with the id of one of ``COLUMN_MENU``'s entries, or None."""

    def __init__(
        self, column: str, x: int = 0, y: int = 0, *, enrichment: bool | None = None
    ) -> None:
        super().__init__(column, column_menu_items(column, enrichment), x, y)
        self.column = column
