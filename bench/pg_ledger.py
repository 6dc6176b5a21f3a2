"""Ledger throughput with concurrent writers: PostgreSQL beside SQLite.

Each writer is a process with its own open workspace doing what the engine does for one paid
cell: reserve the maximum (one transaction), then capture the actual cost (another). Writers
share one balance, so every reserve takes the workspace's write lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: the advisory lock). Both durable: SQLite WAL + synchronous=FULL, PostgreSQL
fsync on (a throwaway server on loopback, started here unless --url names one).

    python bench/pg_ledger.py [--cells 1200] [--writers 1,4,16] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the throwaway server of the test suite

from clay_tui.clock import SystemClock  # noqa: E402
from clay_tui.config import DEFAULT_CONFIG, load_settings  # noqa: E402
from clay_tui.credits import Ledger, SpendContext  # noqa: E402
from clay_tui.workspace import Workspace  # noqa: E402


def _settings(target: str):
    settings = load_settings(DEFAULT_CONFIG, target)
    plan = dataclasses.replace(settings.plan, monthly_credits=10_000_000)
    return dataclasses.replace(settings, plan=plan)


def _writer(target: str, who: int, cells: int, go, done) -> None:
    ws = Workspace.open(_settings(target), SystemClock())
    ledger = Ledger(ws)
    ledger.balance()
    go.wait()
    for i in range(cells):
        ctx = SpendContext(1, 1, who * 1_000_000 + i, "hunter", None, "bench")
        ledger.capture(ledger.reserve(3, f"w{who}:{i}", context=ctx), 2)
    ws.close()
    done.put(who)


def run(target: str, writers: int, cells: int) -> float:
    """Cells (reserve + capture) per second with ``writers`` processes sharing ``cells``."""
    ctx = mp.get_context("spawn")
    go, done = ctx.Event(), ctx.Queue()
    with Workspace.open(_settings(target), SystemClock()) as ws:
        Ledger(ws).balance()  # schema and grant made once, before the clock starts
    per = cells // writers
    procs = [ctx.Process(target=_writer, args=(target, w, per, go, done)) for w in range(writers)]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.1 * writers)  # all connected and waiting
    start = time.perf_counter()
    go.set()
    for _ in procs:
        done.get(timeout=600)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    return per * writers / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cells", type=int, default=1200)
    ap.add_argument("--writers", default="1,4,16")
    ap.add_argument("--url", default=None, help="an empty PostgreSQL database to use")
    args = ap.parse_args()
    counts = [int(x) for x in args.writers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="clay-bench-pg-"))
    tmp.chmod(0o755)
    server = None
    try:
        if args.url is None:
            from pgserver import start_server

            server = start_server(tmp / "server", durable=True)
        print(f"{'writers':>7} {'SQLite cells/s':>15} {'PostgreSQL cells/s':>19} {'PG/SQLite':>10}")
        for n in counts:
            folder = str(tmp / f"sqlite-{n}")
            url = args.url or server.create_database(f"bench{n}")  # type: ignore[union-attr]
            lite = run(folder, n, args.cells)
            pg = run(url, n, args.cells)
            print(f"{n:>7} {lite:>15,.0f} {pg:>19,.0f} {pg / lite:>9.2f}x")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
