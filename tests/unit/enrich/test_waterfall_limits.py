"""Issue 11's done-when, small: a waterfall over 3 email finders (Hunter -> Findymail ->
LeadMagic) through the whole engine against a sandbox that enforces each documented limit
(Hunter's 15/s and 500/min, LeadMagic's 3,000/min). No cell in error, no throttled call
charged (every credit is a found cell's price; ``credits verify`` holds), and the binding
provider (Hunter: every row calls it) kept within its documented rate. The 300-row figure
is ``python bench/waterfall.py``; this is the same code on 30 rows (about 2 s).

Before: bench/engine.py part (c) reported 0/300 found: its hand-written action called
helpers that had been removed (``actions._name_args``, ``store.FOUND``), so every cell
ended in error before any call, and nothing checked it."""

from __future__ import annotations

from bench.waterfall import FINDERS, run_waterfall


async def test_three_finders_within_the_documented_limits(tmp_path) -> None:
    f = await run_waterfall(tmp_path, rows=30, latency_ms=20)
    assert f.counts.get("error", 0) == 0 and sum(f.counts.values()) == 30, f.counts
    assert f.calls["hunter"] == 30  # the first finder is asked for every row
    assert 0 < f.calls["leadmagic"] < f.calls["findymail"] < 30  # each asked for the misses
    assert f.binding == "hunter" and f.binding_limit == 15
    # within the limit: no second with more than 15 calls, 15/s at most on average
    assert f.binding_peak <= 15 + 1 and f.binding_rate <= 15 * 1.02, f
    # no throttled call charged: every credit is a found cell's price
    assert f.charged_only_found and f.verified and f.credits > 0, f
    assert set(f.found) <= set(FINDERS) and sum(f.found.values()) == f.counts["found"]
