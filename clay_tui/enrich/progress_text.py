"""A run's progress as a person plans with it: done/total, cells per second, credits so
far and the time left. The CLI's progress line and the TUI's status bar both use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clay_tui.enrich.runner import Progress


def pace(done: int, total: int, elapsed_s: float) -> tuple[float | None, float | None]:
    """(cells per second, seconds left), or (None, None) before the first cell is done."""
    if done <= 0 or elapsed_s <= 0:
        return None, None
    rate = done / elapsed_s
    return rate, max(0, total - done) / rate


def share(done: int, total: int) -> int:
    """Whole percent done (100 only when everything is)."""
    if total <= 0:
        return 100
    return 100 if done >= total else min(99, done * 100 // total)


def clock(seconds: float) -> str:
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02}:{s:02}" if h else f"{m}:{s:02}"


def progress_text(p: Progress, elapsed_s: float) -> str:
    """ "42/190 (22%) · 7.0 cells/s · 84 credits · ETA 0:21" """
    parts = [f"{p.done:,}/{p.total:,} ({share(p.done, p.total)}%)"]
    rate, left = pace(p.done, p.total, elapsed_s)
    if rate is not None:
        parts.append(f"{rate:,.1f} cells/s")
    parts.append(f"{p.credits:,} credits")
    if left is not None:
        parts.append(f"ETA {clock(left)}")
    return " · ".join(parts)
