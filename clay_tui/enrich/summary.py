"""What a run reports: progress while it runs, and its summary at the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clay_tui.enrich.summary_text import describe_run
from clay_tui.states import RunStatus


@dataclass
class Progress:
    total: int
    done: int
    counts: dict[str, int]
    credits: int
    queued: int = 0
    running: int = 0
    finished: bool = False


@dataclass
class RunSummary:
    run_id: int
    column: str
    total: int
    counts: dict[str, int]
    credits: int  # net of refunds
    refunded: int
    status: RunStatus  # finished | cancelled | out of credits | spend limit | interrupted
    message: str = ""
    stopped_by: str | None = None  # "balance" | "run" | "column" | "table": what halted cells
    elapsed_s: float = 0.0
    sandbox: bool = True
    rows_selected: int = 0
    already_done: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def describe(self, *, auto: bool = False) -> str:
        """The run in one sentence, for the CLI and the TUI alike."""
        return describe_run(self, auto=auto)
