"""The cell-state and run-status vocabulary: every state in the sets it belongs to, one label."""

from __future__ import annotations

import pytest

from clay_tui import states
from clay_tui.states import AttemptState, CellState, RunStatus

# state -> (result: keeps a charge and counts as done, tried: a provider answered,
#           failed: "failed rows" re-runs it, free: decided before any call,
#           stopped: a run reached it but never ran it), how it reads
EXPECTED = {
    CellState.FOUND: (True, True, False, False, False, "found"),
    CellState.NO_DATA: (True, True, False, False, False, "no data"),
    CellState.INVALID: (True, True, False, False, False, "invalid"),
    CellState.ERROR: (False, True, True, False, False, "error"),
    CellState.SKIPPED: (False, False, False, True, False, "skipped"),
    CellState.MISSING_INPUT: (False, False, True, True, False, "missing input"),
    CellState.NO_CREDITS: (False, False, True, False, True, "not enough credits"),
    CellState.SPEND_LIMIT: (False, False, True, False, True, "spend limit"),
    CellState.CANCELLED: (False, False, True, False, True, "stopped"),
    CellState.INTERRUPTED: (False, False, True, False, True, "interrupted"),
}


def test_every_state_is_decided() -> None:
    """A new state must be placed in the sets here (and in the tests' table) on purpose."""
    assert set(EXPECTED) == set(CellState)


@pytest.mark.parametrize("state", list(CellState))
def test_state_is_in_exactly_its_sets(state: CellState) -> None:
    result, tried, failed, free, stopped, said = EXPECTED[state]
    assert (state in states.RESULT) is result
    assert (state in states.TRIED) is tried
    assert (state in states.FAILED) is failed
    assert (state in states.FREE) is free
    assert (state in states.STOPPED) is stopped
    assert states.label(state) == said
    assert states.label(state.value) == said  # as a row holds it


def test_sets_agree() -> None:
    # a charge is kept only for a result, and a result is never re-run as "failed"
    assert not states.RESULT & states.FAILED
    assert not states.RESULT & states.FREE
    # every state is a result, re-run as failed, or a condition not met
    assert states.RESULT | states.FAILED | {CellState.SKIPPED} == set(CellState)
    assert states.STOPPED <= states.FAILED


def test_values_are_the_stored_strings() -> None:
    """SQLite holds these strings: changing one would need a migration."""
    assert [s.value for s in CellState] == [
        "found",
        "no data",
        "invalid",
        "error",
        "skipped",
        "missing input",
        "not enough credits",
        "spend limit",
        "cancelled",
        "interrupted",
    ]
    assert {s.value for s in RunStatus} == {
        "running",
        "finished",
        "cancelled",
        "out of credits",
        "spend limit",
        "interrupted",
    }
    assert {s.value for s in AttemptState} == {"started", "settled", "interrupted"}


def test_run_status_labels() -> None:
    assert states.label(RunStatus.CANCELLED) == "stopped"
    for status in set(RunStatus) - {RunStatus.CANCELLED}:
        assert states.label(status) == status.value
    assert states.label("something newer") == "something newer"


def test_in_order_reads_in_declared_order_unknown_last() -> None:
    counts = {"cancelled": 2, "from a newer version": 1, "found": 3, "spend limit": 4}
    assert states.in_order(counts) == [
        ("found", 3),
        ("spend limit", 4),
        ("cancelled", 2),
        ("from a newer version", 1),
    ]


def test_notes_say_why_a_cell_has_no_value() -> None:
    cells = {1: "found", 2: "no data", 3: "cancelled", 4: "skipped", 5: "something newer"}
    assert states.state_notes(cells) == {
        2: "no data",
        3: "stopped",
        4: "skipped",
        5: "something newer",
    }
