"""What every part of the table screen is: a ``Component``.

A component is a widget with no place on screen (``display: none``): it owns the state of one
concern, runs that concern's workers (which post messages back to it, handled here), and tells
the other parts what happened by posting the typed messages of ui/messages.py; they bubble to
the ``TableScreen``, which hands each to the part that owns it. A component draws through the
screen's widgets (grid, prompt bar, status bar), reached through ``host``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.widget import Widget

from clay_tui.ui.guards import caught
from clay_tui.ui.messages import JobDone

if TYPE_CHECKING:
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.ui.screens.table_screen import TableScreen
    from clay_tui.workspace import Workspace


class Component(Widget):
    DEFAULT_CSS = "Component { display: none; }"

    def __init__(self, host: TableScreen, *, id: str) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.host = host  # the table screen this part belongs to (kept after it unmounts: a
        # save on the way out still reaches the table)

    @property
    def ws(self) -> Workspace:
        return self.host.ws

    @property
    def table(self) -> LeadTable | None:
        return self.host.table

    def guard(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        """A callback (a menu or dialog answer) whose ClayError becomes a notification."""

        def run(choice: Any) -> None:
            try:
                fn(choice)
            except Exception as exc:
                if not caught(self, exc):
                    raise

        return run

    def fail(self, exc: Exception) -> None:
        self.notify(str(exc), severity="error", timeout=6)

    def on_job_done(self, message: JobDone) -> None:
        """A worker of this part finished: its one-sentence outcome."""
        message.stop()
        self.notify(message.text, severity="error" if message.error else "information", timeout=4)
