"""What started a run: the user in the TUI, a CLI command, or auto-update."""

from __future__ import annotations

from enum import StrEnum


class Trigger(StrEnum):
    MANUAL = "manual"  # the TUI's run dialog
    CLI = "cli"  # `clay-tui run`
    AUTO_UPDATE = "auto-update"  # rows added or edited while auto-update is on


def auto_rows(n: int) -> str:
    """How an auto-update run describes its rows (stored as the run's row set)."""
    return f"{n:,} row{'s' if n != 1 else ''} added or edited"
