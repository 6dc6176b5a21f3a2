"""A finished run in one sentence: the wording the CLI and the TUI share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clay_tui.states import RunStatus, in_order, label

if TYPE_CHECKING:
    from clay_tui.enrich.runner import RunSummary


def describe_run(summary: RunSummary, *, auto: bool = False) -> str:
    """ "Ran Work Email on 10 rows: 7 found, 3 no data · 7 credits · sandbox." (``auto``: a
    run auto-update started; a stopped run says "Stopped")."""
    counts = ", ".join(f"{n:,} {label(k)}" for k, n in in_order(summary.counts) if n)
    credits = f"{summary.credits:,} credits"
    if summary.refunded:
        credits += f" ({summary.refunded:,} refunded)"
    where = " · sandbox" if summary.sandbox else ""
    head = "Auto-update ran" if auto else "Ran"
    if summary.status == RunStatus.CANCELLED:
        head = "Stopped"
    rows = f"{summary.total:,} row{'s' if summary.total != 1 else ''}"
    return f"{head} {summary.column} on {rows}: {counts or 'nothing to do'} · {credits}{where}."
