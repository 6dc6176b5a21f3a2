"""Wide tables (issue 10, item 8): import and first paint of a one-row CSV with thousands of
columns, and sideways keypresses on 500 columns, against baselines.

    python bench/wide_table.py [--columns 1000,5000,20000] [--repeat 3] [--key-columns 500]
                               [--quick] [--data-dir DIR]

Generated files (``wide_<columns>x<rows>.csv``: a header ``col_0..``, then rows cycling
int / text / float / bool / date cells) go to ``bench/data/`` (git-ignored) and are reused.
Every measurement runs in a fresh child process (nothing warm but the page cache).

* **import**: ``services.tables.import_table`` on a fresh workspace (read, header names,
  type inference, row ids; the first Parquet snapshot is written in the background),
  against ``polars.read_csv`` of the same file in a fresh process (which infers types too).
* **first paint**: ``ClayApp(ws, target=FILE)`` in ``App.run_test(size=(160, 45))``, from
  just after the imports to the end of the first frame in which the grid drew a row of
  data (the same probe as ``bench/open_table.py``: it includes ``Workspace.open``, app
  start, the import in the load worker and the frame with its terminal bytes).
  Target: <= 2 s at 20,000 columns.
* **sideways keys** (``--key-columns``, 500 columns x 50 rows): 60 rights, 60 lefts, 4
  end/home, each delivered as the terminal driver delivers a key, then the app handles it
  and paints on its own timer; *busy* is the wall time the event loop spent (as in
  ``bench/open_table.py``). Baseline: the same keys on a 70-column table (what a sideways
  move costs when width is not a factor); an unbound key shows the floor.
  Target: p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

from _common import emit, fmt_ms, fmt_ratio, format_table, mean, median, p95, run_child  # noqa: E402
from open_table import KEY_TARGET_S, SIZE, Probe, _time_keys, _wait_for  # noqa: E402

PAINT_TARGET_S = 2.0
KEY_ROWS = 50
NARROW_COLUMNS = 70
KINDS = ("{i}", "text {i}", "{i}.5", "true", "2024-01-02")
RIGHTS = ["right"] * 60
LEFTS = ["left"] * 60
ENDS = ["end", "home"] * 2
UNBOUND = ["z"] * 10


def wide_file(data_dir: Path, columns: int, rows: int = 1) -> Path:
    path = data_dir / f"wide_{columns}x{rows}.csv"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(",".join(f"col_{i}" for i in range(columns)) + "\n")
            for r in range(rows):
                cells = (KINDS[i % len(KINDS)].format(i=i + r) for i in range(columns))
                fh.write(",".join(cells) + "\n")
        os.replace(tmp, path)
    return path


# ====================================================================== children
def child_read_csv(args: argparse.Namespace) -> None:
    import polars as pl

    start = time.perf_counter()
    frame = pl.read_csv(args.file)
    emit({"read_s": time.perf_counter() - start, "width": frame.width})


def child_import(args: argparse.Namespace) -> None:
    from clay_tui.config import load_settings
    from clay_tui.services.tables import import_table
    from clay_tui.table.lead_table import snapshot_path, wait_for_pending
    from clay_tui.workspace import Workspace

    ws = Workspace.open(load_settings(None, Path(args.ws)))
    start = time.perf_counter()
    table = import_table(ws, Path(args.file))
    import_s = time.perf_counter() - start
    wait_for_pending(snapshot_path(ws, table.id))
    out = {
        "import_s": import_s,
        "with_snapshot_s": time.perf_counter() - start,
        "width": len(table.columns),
        "typed": sum(1 for c in table.columns if table.dtype_label(c) != "text"),
    }
    ws.close()
    emit(out)


def child_paint(args: argparse.Namespace) -> None:
    import clay_tui.cli.main  # noqa: F401  (first, as in `clay-tui FILE`: it tunes the allocator)
    from clay_tui.config import load_settings
    from clay_tui.ui.app import ClayApp
    from clay_tui.ui.widgets.lead_grid import HEADER_HEIGHT, LeadGrid
    from clay_tui.workspace import Workspace

    probe = Probe()
    probe.install()
    probe.watch(LeadGrid, lambda grid, y: y >= HEADER_HEIGHT and bool(grid._win_rows))

    async def drive(t0: float, app: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with app.run_test(size=SIZE) as pilot:
            await _wait_for(
                lambda: probe.first_paint is not None or app.load_error is not None,
                600,
                "the first paint",
            )
            if app.load_error:
                raise RuntimeError(app.load_error)
            assert probe.first_paint is not None
            out["first_paint_s"] = probe.first_paint - t0
            grid = app.table_screen.grid
            out["width"] = len(grid.columns)
            if args.interact:
                await app.workers.wait_for_complete()
                await pilot.pause()
                for name, keys in (("rights", RIGHTS), ("lefts", LEFTS), ("ends", ENDS)):
                    out[name] = await _time_keys(app, probe, keys)
                    out[f"{name}_col"] = grid.cursor_col
                out["unbound"] = await _time_keys(app, probe, UNBOUND)
        return out

    t0 = time.perf_counter()
    ws = Workspace.open(load_settings(None, Path(args.ws)))
    out = asyncio.run(drive(t0, ClayApp(ws, target=args.file)))
    ws.close()
    emit(out)


CHILDREN = {"read_csv": child_read_csv, "import": child_import, "paint": child_paint}


# ====================================================================== parent
def _child(kind: str, file: Path, ws: Path | None = None, *extra: str) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--file", str(file)]
    if ws is not None:
        argv += ["--ws", str(ws)]
    return run_child([*argv, *extra], timeout=1200)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", default=None, help="comma-separated (1000,5000,20000)")
    parser.add_argument("--key-columns", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=None, help="fresh processes per figure (3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1k/5k, no repeats")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--ws", help=argparse.SUPPRESS)
    parser.add_argument("--interact", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args)
        return 0
    default = "1000,5000" if args.quick else "1000,5000,20000"
    sizes = sorted({int(s) for s in (args.columns or default).split(",")})
    repeat = args.repeat or (1 if args.quick else 3)
    root = Path(tempfile.mkdtemp(prefix="clay-bench-wide-"))
    started = time.perf_counter()
    rows: list[list[object]] = []
    try:
        for n in sizes:
            file = wide_file(args.data_dir, n)
            print(f"{n:,} columns: read_csv, import, first paint ×{repeat} ...", flush=True)
            reads = [_child("read_csv", file) for _ in range(repeat)]
            imports = [_child("import", file, root / f"imp-{n}-{i}") for i in range(repeat)]
            paints = [_child("paint", file, root / f"paint-{n}-{i}") for i in range(repeat)]
            assert all(r["width"] == n for r in imports + paints)
            read = median([r["read_s"] for r in reads])
            imp = median([r["import_s"] for r in imports])
            snap = median([r["with_snapshot_s"] for r in imports])
            paint = median([r["first_paint_s"] for r in paints])
            rows.append([f"import {n:,} columns / polars.read_csv", fmt_ms(imp, 0),
                         fmt_ms(read, 0), fmt_ratio(imp, read), "", ""])  # fmt: skip
            rows.append([f"  with its first snapshot written {n:,}", fmt_ms(snap, 0)])
            target = f"<= {PAINT_TARGET_S:g} s" if n == max(sizes) else ""
            verdict = _verdict(paint <= PAINT_TARGET_S) if target else ""
            rows.append([f"first paint {n:,} columns (import) / polars.read_csv",
                         fmt_ms(paint, 0), fmt_ms(read, 0), fmt_ratio(paint, read), target,
                         verdict])  # fmt: skip
        k = args.key_columns
        print(f"{k} columns x {KEY_ROWS} rows: sideways keys ...", flush=True)
        keyed = _child("paint", wide_file(args.data_dir, k, KEY_ROWS), root / "keys", "--interact")
        narrow = _child(
            "paint",
            wide_file(args.data_dir, NARROW_COLUMNS, KEY_ROWS),
            root / "keys-narrow",
            "--interact",
        )
        floor = keyed["unbound"]["busy"]
        rows.append([f"unbound key {k} columns, busy mean / p95",
                     f"{fmt_ms(mean(floor))} / {fmt_ms(p95(floor))}"])  # fmt: skip
        key_ok = True
        for label, name in (("60 x right", "rights"), ("60 x left", "lefts"),
                            ("end / home", "ends")):  # fmt: skip
            busy, base = keyed[name]["busy"], narrow[name]["busy"]
            ok = p95(busy) <= KEY_TARGET_S
            key_ok = key_ok and ok
            rows.append([f"{label} {k} / {NARROW_COLUMNS} columns, busy mean / p95",
                         f"{fmt_ms(mean(busy))} / {fmt_ms(p95(busy))}",
                         f"{fmt_ms(mean(base))} / {fmt_ms(p95(base))}",
                         fmt_ratio(p95(busy), p95(base)), "p95 <= 20 ms",
                         _verdict(ok)])  # fmt: skip
            handled = keyed[name]["handled"]
            rows.append(["  handler+frame mean / p95", f"{fmt_ms(mean(handled))} / "
                         f"{fmt_ms(p95(handled))}"])  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print()
    print(f"clay-tui wide-table benchmark: one-row CSVs, {SIZE[0]}x{SIZE[1]} headless;"
          f" median of {repeat} fresh process(es)")  # fmt: skip
    print(format_table(["measure", "clay-tui", "baseline", "ratio", "target", "result"],
                       [r + [""] * (6 - len(r)) for r in rows]))  # fmt: skip
    print(f"\ncursor column after the keys: rights {keyed['rights_col']} (expected 60), lefts "
          f"{keyed['lefts_col']} (0), end/home {keyed['ends_col']} (0)")  # fmt: skip
    print(f"keypress target {_verdict(key_ok)}")
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
