"""Live tables: keypresses while another process edits and enriches the open table, and the
cost of numbering each cell write.

1. **Keys under live updates.** The real app (headless, 160x45) on an N-row table, as ann;
   cursor keys (50 downs, 8 rights + 8 lefts, 20 page-downs) timed per key (press + handle +
   repaint, wall and CPU), first with nobody else writing (the baseline, same run), then while
   a second process, bob, sets a cell and stores 20 enrichment results every 50 ms. At the end
   the app's copy must hold bob's last edit and results (they arrived live).
2. **Numbered cell writes.** ``store.write_cell``'s INSERT with its ``seq`` (the table's next
   number, one index lookup) against the same INSERT without it, 100 cells per transaction,
   into a cells table already holding ``--cells`` rows, same folder, same pragmas.

    python bench/live_table.py [--rows 100000] [--cells 200000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_ratio, format_table, p95  # noqa: E402

from clay_tui.config import load_settings  # noqa: E402
from clay_tui.enrich.spec import ColumnSpec  # noqa: E402
from clay_tui.services import enrich  # noqa: E402
from clay_tui.services import tables as ts  # noqa: E402
from clay_tui.table.sample_data import make_leads  # noqa: E402
from clay_tui.workspace import Workspace  # noqa: E402

KEYS = {
    "down": ["down"] * 50,
    "right/left": ["right"] * 8 + ["left"] * 8,
    "pagedown": ["pagedown"] * 20,
}
WRITER = textwrap.dedent(
    """
    import json, sys, time
    from clay_tui.config import load_settings
    from clay_tui.enrich import store
    from clay_tui.clock import iso
    from clay_tui.services import enrich, tables as ts
    from clay_tui.states import CellState
    from clay_tui.workspace import Workspace

    folder, stop = sys.argv[1], sys.argv[2]
    import pathlib
    stop = pathlib.Path(stop)
    with Workspace.open(load_settings(None, folder, user="bob")) as ws:
        t = ts.find_table(ws, "leads")
        spec = enrich.list_columns(ws, t)[0]
        i = 0
        while not stop.exists():
            i += 1
            t.set_cell(1 + i % 50, "first_name", f"bob-{i}")
            with ws.transaction():
                for r in range(20):
                    rid = 1 + (i * 20 + r) % t.row_count
                    store.write_cell(ws, table_id=t.id, column_id=spec.id, row_id=rid,
                        status=CellState.FOUND, value={"domain": f"d{i}.example"},
                        provider=None, credits=0, run_id=None, at=iso(ws.clock.now()),
                        error=None, sandbox=None)
            time.sleep(0.05)
        print(json.dumps({"edits": i, "last_row": 1 + i % 50, "last": f"bob-{i}"}))
    """
)


async def _keys(ws: Workspace, table) -> dict[str, list[tuple[float, float]]]:
    from clay_tui.ui.app import ClayApp

    app = ClayApp(ws, table)
    out: dict[str, list[tuple[float, float]]] = {}
    heard = out.setdefault("_heard", [])
    unsubscribe = table.subscribe(lambda c: heard.append((c.kind, c.remote)) if c.remote else None)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for name, keys in KEYS.items():
            times = out.setdefault(name, [])
            for key in keys:
                wall, cpu = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await pilot.pause()
                times.append((time.perf_counter() - wall, time.process_time() - cpu))
    unsubscribe()
    return out


def keys_under_updates(rows: int, root: Path) -> None:
    folder = root / "ws"
    csv = root / "leads.csv"
    make_leads(rows, seed=7).write_csv(csv)
    with Workspace.open(load_settings(None, folder, user="ann")) as ws:
        table = ts.import_table(ws, csv, name="leads")
        table.wait_for_snapshot()
        enrich.add_column(
            ws,
            table,
            ColumnSpec(
                name="Domain", action="normalize_domain", inputs={"value": "company_domain"}
            ),
        )
        table.save()
    results = {}
    for phase in ("alone", "live"):
        stop = root / f"stop-{phase}"
        writer = None
        if phase == "live":
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(folder), str(stop)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(1.0)  # it is writing before the first key
        with Workspace.open(load_settings(None, folder, user="ann")) as ws:
            table = ts.find_table(ws, "leads")
            results[phase] = asyncio.run(_keys(ws, table))
            if writer is not None:
                stop.touch()
                done = writer.communicate(timeout=60)[0]
                import json

                said = json.loads(done.strip().splitlines()[-1])
                heard = results[phase].pop("_heard")
                sets = sum(1 for kind, _ in heard if kind == "set")
                print(
                    f"bob made {said['edits']} edits and {said['edits'] * 20:,} result writes "
                    f"(one commit each per 50 ms); while the keys were pressed ann's open table "
                    f"heard {sets} of his edits and {len(heard) - sets} result batches, live"
                )
            else:
                results[phase].pop("_heard")
    out_rows = []
    for name in KEYS:
        a = [w for w, _ in results["alone"][name]]
        b = [w for w, _ in results["live"][name]]
        ca = [c for _, c in results["alone"][name]]
        cb = [c for _, c in results["live"][name]]
        out_rows.append(
            [
                name,
                len(a),
                f"{statistics.median(a) * 1000:.1f} / {p95(a) * 1000:.1f}",
                f"{statistics.median(b) * 1000:.1f} / {p95(b) * 1000:.1f}",
                fmt_ratio(statistics.median(b), statistics.median(a)),
                fmt_ratio(p95(b), p95(a)),
                f"{statistics.median(ca) * 1000:.1f} / {statistics.median(cb) * 1000:.1f}",
            ]
        )
    print(f"\nKeys on a {rows:,}-row table (wall ms, median / p95; press + handle + repaint)")
    print(
        format_table(
            ["keys", "n", "alone", "bob writing", "median x", "p95 x", "CPU median alone/live"],
            out_rows,
        )
    )


def numbered_writes(
    cells: int, root: Path, batch: int = 100, writes: int = 20_000, repeats: int = 3
) -> None:
    """write_cell's INSERT with the seq subquery against the same INSERT without it."""
    from clay_tui.enrich.store import CELLS_SEQ, SCHEMA

    cols = "table_id, column_id, row_id, status, value, provider, credits, run_id, updated_at"
    plain = f"INSERT OR REPLACE INTO cells ({cols}, error, sandbox) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    numbered = (
        f"INSERT OR REPLACE INTO cells ({cols}, error, sandbox, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
        " (SELECT COALESCE(MAX(seq), 0) + 1 FROM cells WHERE table_id = ?))"
    )
    runs: dict[str, list[float]] = {"without seq": [], "with seq": []}
    for repeat in range(repeats):  # interleaved, each into a fresh file
        for name, sql, extra in (("without seq", plain, ()), ("with seq", numbered, (1,))):
            path = root / f"cells-{name.replace(' ', '-')}-{repeat}.db"
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(SCHEMA)
            db.execute(CELLS_SEQ)
            db.execute("BEGIN")
            db.executemany(
                "INSERT INTO cells (table_id, column_id, row_id, status, seq)"
                " VALUES (1, 1, ?, 'found', ?)",
                [(i, i) for i in range(cells)],
            )
            db.execute("COMMIT")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            started = time.perf_counter()
            for start in range(0, writes, batch):
                db.execute("BEGIN IMMEDIATE")
                for rid in range(start, start + batch):
                    values = (1, 2, rid, "found", '{"domain": "x.example"}', None, 0, None, "t")
                    db.execute(sql, (*values, None, None, *extra))
                db.execute("COMMIT")
            runs[name].append(writes / (time.perf_counter() - started))
            db.close()
            path.unlink()
    rates = {name: statistics.median(r) for name, r in runs.items()}
    print(
        f"\nCell writes into a cells table of {cells:,} rows ({batch} per transaction, WAL, "
        f"synchronous=FULL; median of {repeats}, interleaved)"
    )
    print(
        format_table(
            ["insert", "cells/s", "vs without"],
            [[n, f"{r:,.0f}", fmt_ratio(r, rates["without seq"])] for n, r in rates.items()],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cells", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 20,000 cells")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.cells = 10_000, 20_000
    with tempfile.TemporaryDirectory(prefix="clay-live-") as tmp:
        keys_under_updates(args.rows, Path(tmp))
        numbered_writes(args.cells, Path(tmp))


if __name__ == "__main__":
    main()
