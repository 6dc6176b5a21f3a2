"""The words the engine stores for a cell and for a run, and how they read to people.

One vocabulary for every layer: the engine writes these values into SQLite
(``cells.status``, ``runs.status``, ``attempts.state``), the credit verifier reads them,
and the CLI and the TUI show them. The values are the stored strings, so a ``CellState``
compares equal to what a row holds (``StrEnum``) and nothing needs migrating.

It lives at the package root, like ``errors``, and imports nothing of the package:
``credits`` sits below ``enrich`` (the verifier must not import the engine), yet both
need to agree which cell states keep a charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class CellState(StrEnum):
    """A stored cell's final state (the in-memory queued/running never reach SQLite).

    Declared in the order a person reads a run's counts.
    """

    FOUND = "found"
    NO_DATA = "no data"
    INVALID = "invalid"  # found, but validation turned it down
    ERROR = "error"
    SKIPPED = "skipped"  # the run condition was not met
    MISSING_INPUT = "missing input"
    NO_CREDITS = "not enough credits"
    SPEND_LIMIT = "spend limit"  # a cap stopped it (the column's spend limit, the run's maximum)
    CANCELLED = "cancelled"  # the user stopped the run (reads "stopped")
    INTERRUPTED = "interrupted"  # the run died (crash, kill) during the call


# A result: the only states that keep a charge; a cell in one is done and is not run
# again unless forced.
RESULT = frozenset({CellState.FOUND, CellState.NO_DATA, CellState.INVALID})
# A provider (or the action) was asked and answered. "Rows not yet run" are the others.
TRIED = RESULT | {CellState.ERROR}
# A run reached the cell but never ran it: stopped, out of credits, capped, crashed.
STOPPED = frozenset(
    {CellState.CANCELLED, CellState.NO_CREDITS, CellState.SPEND_LIMIT, CellState.INTERRUPTED}
)
# What "failed rows" re-runs.
FAILED = STOPPED | {CellState.ERROR, CellState.MISSING_INPUT}
# Decided before any call (condition not met, an empty input): stored at once, never charged.
FREE = frozenset({CellState.SKIPPED, CellState.MISSING_INPUT})


class RunStatus(StrEnum):
    """A run's status in ``runs.status``."""

    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"  # the user stopped it (reads "stopped")
    OUT_OF_CREDITS = "out of credits"
    SPEND_LIMIT = "spend limit"  # a cap stopped it
    INTERRUPTED = "interrupted"  # its process died; the next run (or verify) closed it


class AttemptState(StrEnum):
    """A paid call's row in ``attempts.state``: committed before the call, settled with the
    cell (the partial index ``attempts_open`` holds the started ones)."""

    STARTED = "started"  # the call is in flight (or its run died: reconcile settles it)
    SETTLED = "settled"  # the cell's transaction captured or released its hold
    INTERRUPTED = "interrupted"  # its run died before the outcome; the hold was released


# One word for a stop, for cells and runs alike: the grid, Run Info and the CLI agree.
_SAID = {CellState.CANCELLED.value: "stopped"}


def label(state: str) -> str:
    """How a cell state or run status reads to people ("cancelled" reads "stopped").

    Anything else (a state from a newer version, say) reads as it is stored."""
    return _SAID.get(state, state)


def state_notes(cells: Mapping[int, str]) -> dict[int, str]:
    """row -> how its state reads, for every cell but a found one (which shows its value):
    what an enrichment cell without a value says. One tight pass (a million rows)."""
    said, found = _SAID, CellState.FOUND.value
    return {rid: said.get(s, s) for rid, s in cells.items() if s != found}


def in_order(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """``counts`` (state -> cells) in reading order; unknown states after, as they came."""
    known = [(s.value, counts[s]) for s in CellState if s in counts]
    return known + [(k, n) for k, n in counts.items() if k not in _CELL_VALUES]


_CELL_VALUES = frozenset(s.value for s in CellState)
