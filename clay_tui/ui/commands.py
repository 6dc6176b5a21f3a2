"""The command palette (ctrl+p): every action of the keymap with its key.

Hidden columns also appear as "Show column: NAME" entries, so a column can be
brought back without remembering its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from clay_tui.table.inert import inert
from clay_tui.ui.keymap import KEYMAP


class ClayCommands(Provider):
    def _entries(self) -> Iterator[tuple[str, str | None, Callable[[], object]]]:
        from clay_tui.ui.screens.table_screen import TableScreen
        from clay_tui.ui.widgets.lead_grid import LeadGrid

        screen = self.screen
        table_screen = screen if isinstance(screen, TableScreen) else None
        for key in KEYMAP:
            if key.action == "command_palette":
                continue
            if key.target == "app":
                runner = partial(self.app.run_action, key.action)
            elif table_screen is None:
                continue
            elif key.target == "screen":
                runner = partial(table_screen.run_action, key.action)
            else:
                grid = table_screen.query_one(LeadGrid)
                runner = partial(grid.run_action, key.action)
            yield f"{key.description}  ({key.display_keys})", None, runner
        if table_screen is not None and table_screen.view is not None:
            for column in sorted(table_screen.view.hidden):
                yield (
                    f"Show column: {inert(column)}",
                    "Bring back a hidden column",
                    partial(table_screen.editing.show_column, column),
                )

    async def discover(self) -> Hits:
        for text, help_text, runner in self._entries():
            # escape: a column named "[/]" is text, not markup (the palette parses its entries)
            yield DiscoveryHit(escape(text), runner, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, runner in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(escape(text)), runner, text=text, help=help_text)
