"""Progress you can plan with (issue 8, item 6): done/total, cells per second, credits so
far and an ETA, in the CLI's progress line and the TUI's status bar."""

from __future__ import annotations

from clay_tui.enrich.progress_text import pace, progress_text
from clay_tui.services.enrich import Progress


def test_pace_is_cells_per_second_and_time_left() -> None:
    assert pace(done=50, total=200, elapsed_s=10.0) == (5.0, 30.0)
    assert pace(done=0, total=200, elapsed_s=3.0) == (None, None)  # nothing to go on yet
    assert pace(done=200, total=200, elapsed_s=8.0) == (25.0, 0.0)


def test_progress_text_reads_as_a_plan() -> None:
    p = Progress(total=190, done=42, counts={"found": 40, "no data": 2}, credits=84)
    text = progress_text(p, elapsed_s=6.0)
    assert text == "42/190 (22%) · 7.0 cells/s · 84 credits · ETA 0:21"
    assert "ETA" not in progress_text(Progress(total=5, done=0, counts={}, credits=0), 0.5)
    long = progress_text(Progress(total=100_000, done=100, counts={}, credits=0), 50.0)
    assert long.endswith("ETA 13:52:30")
