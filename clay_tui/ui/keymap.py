"""Every key of the TUI in one list.

The bindings, the help screen and the command palette are all built from this
list, so a key can never be bound without being documented (or the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeyAction:
    keys: str  # Textual key names, comma-separated ("enter,f2")
    action: str  # action name on `target`
    description: str
    target: str  # "grid" | "screen" | "app"
    show: bool = False  # shown in the footer-like hints

    @property
    def display_keys(self) -> str:
        """Keys as a person reads them ("Enter / F2")."""
        return " / ".join(_pretty(k) for k in self.keys.split(","))


_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "Space",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "enter": "Enter",
    "delete": "Del",
    "escape": "Esc",
    "plus": "+",
}


def _pretty(key: str) -> str:
    parts = key.split("+")
    name = _NAMES.get(parts[-1], parts[-1])
    if len(name) > 1 and name[0] == "f" and name[1:].isdigit():
        name = name.upper()
    elif len(name) > 1 and name.islower():
        name = name.capitalize()
    mods = [m.capitalize() for m in parts[:-1]]
    return "+".join([*mods, name])


KEYMAP: list[KeyAction] = [
    # Navigation (LeadGrid bindings)
    KeyAction("up", "cursor_up", "Move up one row", "grid"),
    KeyAction("down", "cursor_down", "Move down one row", "grid"),
    KeyAction("left", "cursor_left", "Move left one column", "grid"),
    KeyAction("right", "cursor_right", "Move right one column", "grid"),
    KeyAction("pageup", "page_up", "Page up", "grid"),
    KeyAction("pagedown", "page_down", "Page down", "grid"),
    KeyAction("home", "first_column", "First column", "grid"),
    KeyAction("end", "last_column", "Last column", "grid"),
    KeyAction("ctrl+home", "first_row", "First row", "grid"),
    KeyAction("ctrl+end", "last_row", "Last row", "grid"),
    KeyAction(
        "space",
        "toggle_select",
        "Select / unselect the current row and move down (the status bar counts them; "
        'r then offers "Selected rows", d deletes them)',
        "grid",
    ),
    # Table actions (TableScreen bindings)
    KeyAction("g", "goto_column", "Go to a column by name", "screen", True),
    KeyAction("s", "sort_asc", "Sort by the current column, ascending", "screen", True),
    KeyAction("S", "sort_desc", "Sort by the current column, descending", "screen"),
    KeyAction("c", "clear_sort", "Clear the sort (back to row order)", "screen"),
    KeyAction("f", "filter", "Filter rows with an expression (country = 'US')", "screen", True),
    KeyAction("F", "clear_filter", "Clear the filter", "screen"),
    KeyAction("slash", "search", "Search for text", "screen", True),
    KeyAction("n", "search_next", "Next search match", "screen"),
    KeyAction(
        "enter",
        "open_cell",
        "Edit the current cell (an enrichment cell: its details, then e edits)",
        "screen",
        True,
    ),
    KeyAction("f2", "edit_cell", "Edit the current cell", "screen"),
    KeyAction("a", "add_row", "Add a row", "screen"),
    KeyAction("d,delete", "delete_rows", "Delete the selected rows (or the current row)", "screen"),
    KeyAction("ctrl+z", "undo", "Undo the last change", "screen", True),
    KeyAction("h", "hide_column", "Hide the current column", "screen"),
    KeyAction("H", "show_all_columns", "Show all hidden columns", "screen"),
    KeyAction("v", "choose_columns", "Choose which columns show", "screen"),
    KeyAction("R", "rename_column", "Rename the current column", "screen"),
    KeyAction("D", "delete_column", "Delete the current column", "screen"),
    KeyAction("m", "column_menu", "Column menu for the current column", "screen", True),
    KeyAction("t", "table_menu", "Table menu", "screen"),
    # Enrichment
    KeyAction("plus", "add_enrichment", "Add an enrichment column (action/recipe)", "screen", True),
    KeyAction(
        "r",
        "run_column",
        "Run the current enrichment column (choose rows, see the cost)",
        "screen",
        True,
    ),
    KeyAction(
        "i", "run_info", "Run Info of the current column (credits, hits, errors)", "screen", True
    ),
    KeyAction(
        "e", "edit_column", "Edit the current enrichment column (name, condition, limit)", "screen"
    ),
    KeyAction("ctrl+x", "stop_runs", "Stop the running enrichment (no new call starts)", "screen"),
    KeyAction("x", "export_csv", "Export the table to CSV", "screen"),
    KeyAction("ctrl+s", "save", "Save the table", "screen", True),
    # App-wide
    KeyAction("b", "plans_billing", "Plans & Billing (buy credits)", "app"),
    KeyAction("u", "credit_usage", "Credit usage", "app"),
    KeyAction("k", "providers", "Providers & keys (connect your own API key)", "app"),
    KeyAction("N", "new_table_search", "New table from a search (people, no credits)", "app"),
    KeyAction("question_mark", "help", "Help: all keys", "app", True),
    KeyAction("ctrl+p", "command_palette", "Command palette", "app"),
    KeyAction("q", "quit", "Save and quit", "app", True),
]


def bindings_for(target: str) -> list[Binding]:
    """The Textual bindings of one target, straight from :data:`KEYMAP`."""
    return [
        Binding(k.keys, k.action, k.description, show=k.show)
        for k in KEYMAP
        if k.target == target and k.action != "command_palette"
    ]
