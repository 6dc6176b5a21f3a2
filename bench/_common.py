"""Small helpers shared by the benchmarks: stats, peak RSS, child processes, a text table.

Measurements whose peak memory matters run in a fresh child process (``run_child``):
the child prints one ``BENCH_RESULT {json}`` line that the parent collects.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence

RESULT_PREFIX = "BENCH_RESULT "


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss is in KB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def current_rss_mb() -> float | None:
    """Current resident set size in MB from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return None
    return pages * resource.getpagesize() / 1024 / 1024


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def p95(values: Sequence[float]) -> float:
    """95th percentile, nearest-rank (with 20 samples: the 19th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return ordered[rank - 1]


def emit(result: dict) -> None:
    """Hand a child's result to the parent (the last such line on stdout wins)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_child(argv: list[str], timeout: float = 600, env: dict[str, str] | None = None) -> dict:
    """Run ``argv`` (a fresh Python process, ``env`` added) and return the dict it ``emit``-ted."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env)
    found = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            found = json.loads(line[len(RESULT_PREFIX) :])
    if proc.returncode != 0 or found is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        raise RuntimeError(
            f"benchmark child {' '.join(argv[1:])} failed (exit {proc.returncode}):\n"
            + "\n".join(tail)
        )
    return found


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table (first column left, the rest right-aligned)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(row))
        ]
        return "  ".join(parts).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def fmt_ms(seconds: float | None, digits: int = 1) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    return f"{seconds * 1000:.{digits}f} ms"


def fmt_ratio(ours: float | None, base: float | None) -> str:
    if not ours or not base or math.isnan(ours) or math.isnan(base):
        return "-"
    return f"{ours / base:.2f}x"
