"""Ledger throughput: reserve + capture with durable commits, against raw SQLite inserts.

Each "cell" is what the engine does for one paid result: reserve the maximum, then
capture the actual cost (3 ledger rows: reserve, release of the hold, capture). Measured
one cell per transaction (reserve commit + capture commit, as a cell that is written as
soon as it arrives) and batched (``--batch`` cells per transaction). The ceiling is a raw
``INSERT`` loop of the same number of rows per cell into a plain table, with the same
pragmas (WAL, synchronous=FULL) in the same folder, so on the same disk.

    python bench/ledger.py [--cells 2000] [--batch 100] [--dir PATH]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from clay_tui.clock import SystemClock
from clay_tui.config import DEFAULT_CONFIG, load_settings
from clay_tui.credits import Ledger, SpendContext
from clay_tui.workspace import Workspace

ROWS_PER_CELL = 3


def raw_sqlite(folder: Path, cells: int, batch: int) -> float:
    db = sqlite3.connect(folder / f"raw-{batch}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT, kind TEXT, amount INT, key TEXT)")
    start = time.perf_counter()
    for first in range(0, cells, batch):
        db.execute("BEGIN IMMEDIATE")
        for cell in range(first, min(first + batch, cells)):
            for part in range(ROWS_PER_CELL):
                db.execute(
                    "INSERT INTO t (at, kind, amount, key) VALUES (?,?,?,?)",
                    ("2026-11-25T00:00:00", "capture", -2, f"{cell}:{part}"),
                )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return cells / elapsed


def _ledger(folder: Path, name: str) -> tuple[Workspace, Ledger]:
    settings = load_settings(DEFAULT_CONFIG, folder / name)
    ws = Workspace.open(settings, SystemClock())
    ledger = Ledger(ws)
    ledger.purchase(10_000_000)
    return ws, ledger


def ledger_unbatched(folder: Path, cells: int, batch: int) -> float:
    ws, ledger = _ledger(folder, "ws-single")
    start = time.perf_counter()
    for cell in range(cells):
        ctx = SpendContext(1, 1, cell, "hunter", 1, "email_finder")
        res = ledger.reserve(2, f"cell:{cell}", context=ctx)  # its own commit
        ledger.capture(res, 2)  # its own commit
    elapsed = time.perf_counter() - start
    ws.close()
    return cells / elapsed


def ledger_batched(folder: Path, cells: int, batch: int) -> float:
    ws, ledger = _ledger(folder, "ws-batched")
    start = time.perf_counter()
    for first in range(0, cells, batch):
        with ws.transaction():
            for cell in range(first, min(first + batch, cells)):
                ctx = SpendContext(1, 1, cell, "hunter", 1, "email_finder")
                ledger.capture(ledger.reserve(2, f"cell:{cell}", context=ctx), 2)
    elapsed = time.perf_counter() - start
    total = ws.db.execute("SELECT SUM(amount) FROM ledger").fetchone()[0]
    assert ledger.balance().available == total and ledger.balance().reserved == 0
    ws.close()
    return cells / elapsed


def status_bar_read(folder: Path, cells: int) -> tuple[int, float, float]:
    """What the status bar pays twice a second: the first read of a big ledger, then each one."""
    from clay_tui.services.credits import credits_summary

    ws, ledger = _ledger(folder, "ws-batched")  # the ledger the batched case filled
    del ledger
    entries = ws.db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
    fresh = Workspace.open(ws.settings, SystemClock())
    start = time.perf_counter()
    credits_summary(fresh)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(1000):
        credits_summary(fresh)
    each = (time.perf_counter() - start) / 1000
    fresh.close()
    ws.close()
    return entries, first, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path.cwd(),
        help="folder on the disk to measure (default: the current folder)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clay-bench-", dir=args.dir))
    try:
        results: list[tuple[str, int, float]] = []
        cases: list[tuple[str, int, Callable[[Path, int, int], float]]] = [
            ("raw SQLite insert, 1 cell/commit", 1, raw_sqlite),
            (f"raw SQLite insert, {args.batch} cells/commit", args.batch, raw_sqlite),
            ("ledger reserve+capture, 2 commits/cell", 1, ledger_unbatched),
            (f"ledger reserve+capture, {args.batch} cells/commit", args.batch, ledger_batched),
        ]
        for label, batch, fn in cases:
            results.append((label, batch, fn(folder, args.cells, batch)))
        entries, first, each = status_bar_read(folder, args.cells)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ceiling = {1: results[0][2], args.batch: results[1][2]}
    print(
        f"{args.cells} cells, {ROWS_PER_CELL} rows per cell, WAL + synchronous=FULL, in {args.dir}"
    )
    print(f"{'case':<44} {'cells/s':>10} {'vs raw, same batch':>19}")
    for label, batch, rate in results:
        print(f"{label:<44} {rate:>10,.0f} {rate / ceiling[batch]:>18.0%}")
    batched = results[3][2]
    verdict = "meets" if batched >= 2000 else "MISSES"
    print(f"batched ledger: {batched:,.0f} captured cells/s ({verdict} the 2,000/s target)")
    print(
        f"credits_summary on a {entries:,}-entry ledger: first call {first * 1000:.1f} ms,"
        f" then {each * 1e6:.0f} µs per call"
    )


if __name__ == "__main__":
    main()
