"""One wording of a finished run for the CLI and the TUI: ``RunSummary.describe``."""

from __future__ import annotations

from clay_tui.enrich.runner import RunSummary
from clay_tui.states import CellState, RunStatus


def _summary(**kw: object) -> RunSummary:
    base: dict[str, object] = {
        "run_id": 1,
        "column": "Work Email",
        "total": 10,
        "counts": {CellState.NO_DATA: 3, CellState.FOUND: 7},
        "credits": 7,
        "refunded": 0,
        "status": RunStatus.FINISHED,
    }
    base.update(kw)
    return RunSummary(**base)  # type: ignore[arg-type]


def test_describe_says_rows_counts_credits_and_where() -> None:
    assert _summary().describe() == (
        "Ran Work Email on 10 rows: 7 found, 3 no data · 7 credits · sandbox."
    )
    text = _summary(refunded=2, sandbox=False, total=1, counts={}).describe(auto=True)
    assert text == "Auto-update ran Work Email on 1 row: nothing to do · 7 credits (2 refunded)."
    assert _summary(status=RunStatus.CANCELLED).describe().startswith("Stopped Work Email on")
