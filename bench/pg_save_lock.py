"""A ledger reserve on a team workspace while someone saves a big table (issue 12).

A table save writes its rows outside the workspace's write lock and only swaps its
``clay_frames`` row under it (``workspace/pg_frames.py``: stage, install, settle), so another
member's reserve + release (the engine's per-cell ledger work, under that lock) should cost what
it costs with no save under way. Measured in one process on two connections: reserve + release
latency idle (the baseline, the same run), then while ``LeadTable.save()`` writes the table,
``--repeat`` times; printed as medians, p95 and max with the ratio to the baseline.

    python bench/pg_save_lock.py [--rows 200000] [--repeat 3] [--url URL]

The server is a throwaway one from tests/pgserver.py on loopback (fsync off), or ``--url``
names an empty database.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))
sys.path.insert(2, str(REPO / "tests"))  # the throwaway server of the test suite
sys.path.insert(3, str(REPO / "tests" / "unit" / "credits"))

from _common import format_table, median, p95  # noqa: E402
from credit_helpers import ctx, make_settings  # noqa: E402

from clay_tui.credits import Ledger  # noqa: E402
from clay_tui.services import tables as ts  # noqa: E402
from clay_tui.workspace import Workspace  # noqa: E402


def _reserve_loop(ledger: Ledger, until: threading.Event | float, tag: str) -> list[float]:
    times: list[float] = []
    i = 0
    while not (until.is_set() if isinstance(until, threading.Event) else time.time() > until):
        started = time.perf_counter()
        held = ledger.reserve(1, f"{tag}:{i}", context=ctx(row=i))
        ledger.release(held)
        times.append(time.perf_counter() - started)
        i += 1
    return times


def _measure(url: str, csv: Path, repeat: int) -> None:
    base = make_settings(Path("/nonexistent"), plan={"name": "Free", "monthly_credits": 10**7})
    settings = dataclasses.replace(base, workspace_url=url)
    with Workspace.open(settings) as ws, Workspace.open(settings) as other:
        table = ts.import_table(ws, csv, name="big")
        table.wait_for_snapshot()
        ledger = Ledger(other)
        idle = _reserve_loop(ledger, time.time() + 2.0, "idle")
        during: list[float] = []
        saves: list[float] = []
        for n in range(repeat):
            table.set_cell(1, table.columns[0], f"edit {n}")  # something to save
            done = threading.Event()

            def save(done: threading.Event = done) -> None:
                started = time.perf_counter()
                table.save()
                saves.append(time.perf_counter() - started)
                done.set()

            saver = threading.Thread(target=save)
            saver.start()
            during += _reserve_loop(ledger, done, f"save{n}")
            saver.join()
    print(f"{table.row_count:,} rows; saves took {', '.join(f'{s:.2f} s' for s in saves)}")
    rows = []
    for name, times in (("idle (baseline)", idle), ("during a save", during)):
        ratio = median(times) / median(idle)
        rows.append(
            [
                name,
                len(times),
                f"{median(times) * 1000:.1f}",
                f"{p95(times) * 1000:.1f}",
                f"{max(times) * 1000:.1f}",
                f"{ratio:.2f}x",
            ]
        )
    headers = ["reserve + release", "n", "median ms", "p95 ms", "max ms", "median/baseline"]
    print(format_table(headers, rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--url", default=None, help="an empty PostgreSQL database to use")
    args = ap.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="clay-bench-pgsave-"))
    scratch.chmod(0o755)
    server = None
    try:
        csv = scratch / "leads.csv"
        make_big = [sys.executable, str(REPO / "sample_tables" / "make_big.py")]
        subprocess.run([*make_big, str(args.rows), str(csv)], check=True, capture_output=True)
        if args.url is None:
            from pgserver import start_server

            server = start_server(scratch / "server")
        _measure(args.url or server.create_database("save"), csv, args.repeat)  # type: ignore[union-attr]
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
