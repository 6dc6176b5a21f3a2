"""Open a big lead list: first paint, keypresses, sort, filter and peak RSS, against baselines.

    python bench/open_table.py [--rows 100000,1000000] [--repeat 3] [--quick] [--data-dir DIR]
                               [--env KEY=VALUE ...]

Generated lead files (``make_leads``, the code behind ``sample_tables/make_big.py``) go to
``bench/data/`` (git-ignored) and are reused while they exist. Every measurement runs in a
fresh child process, so each has its own peak RSS and nothing is warm but the page cache.

What is measured (all headless, ``App.run_test(size=(160, 45))``, real services, a fresh
temporary workspace per child):

* **first paint**: from just after the imports (clay_tui, textual, polars) to the end of the
  first frame in which the grid drew rows of data. That span covers ``Workspace.open``,
  ``ClayApp(ws, target=FILE)`` (what ``clay-tui FILE`` does), app start, the import of the
  file in the load worker (read, type inference, row ids; the first Parquet snapshot is
  written in the background) and the frame. A frame "ends" after ``App._display``; because
  the headless driver writes nothing, the benchmark also renders the frame's terminal
  bytes (``render_segments``) there, as a real terminal would cost. "reopen" is the same on
  a workspace that already holds the table (read from its Parquet snapshot).
  Baselines: Textual's ``DataTable`` (``pl.read_csv`` + ``add_columns`` + ``add_rows`` in
  ``on_mount``, measured the same way) and ``pl.read_csv`` alone in a fresh process.
* **keypresses** (largest size only): 41 downs interleaved with 9 rights, then 20
  page-downs, each delivered as the terminal driver delivers a key, then 60 ms for the app
  to handle it and paint on its own timer. Per key, *busy* is the wall time the asyncio loop
  (the app's only thread then) spent running callbacks in that window: key dispatch,
  bindings, handlers, the messages they post, layout, the repaint and its terminal bytes
  (plus any app timer that fired meanwhile, e.g. the status bar's 0.5 s credits refresh; the
  unbound-key row shows the floor). *handler+frame* is the time inside the action plus
  inside screen updates only. The target is checked on the p95 of *busy*.
* **sort / filter**: ``TableView.set_sort`` / ``set_filter`` on the 1M-row table (median of
  3) against ``df.sort`` / ``df.filter(pl.sql_expr(...))`` on the frame ``pl.read_csv``
  returns; and in the app, from the ``s`` key (for the filter: ``TableScreen._apply_filter``,
  what submitting the filter prompt calls) to the end of the frame that shows the result.
* **peak RSS**: ``ru_maxrss`` of the interactive child at its end (open, paint, keys, sort,
  filter), against ``table.frame.estimated_size()``.
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

from _common import (  # noqa: E402
    emit,
    fmt_ms,
    fmt_ratio,
    format_table,
    mean,
    median,
    p95,
    peak_rss_mb,
    run_child,
)

SIZE = (160, 45)
SORT_COLUMN = "last_name"
FILTER = "country = 'US' AND employees > 100"
MOVES = ["right" if i % 5 == 4 and i < 45 else "down" for i in range(50)]  # 41 down, 9 right
PAGE_DOWNS = ["pagedown"] * 20
UNBOUND = ["z"] * 10
PAINT_TARGET_S = 1.0
PAINT_TARGET_X = 5.0
KEY_TARGET_S = 0.020
KEY_SETTLE_S = 0.06  # per key: far more than a key takes; the rest is idle
RSS_FACTOR = 2.5
RSS_EXTRA_MB = 200.0
MB = 1024 * 1024


# ====================================================================== instrumentation
class Probe:
    """Hooks into asyncio and Textual that time the app from the inside (benchmark only)."""

    def __init__(self) -> None:
        self.busy = 0.0  # wall seconds the event loop spent running callbacks
        self.action = 0.0  # seconds inside App._dispatch_action
        self.frame = 0.0  # seconds inside screen updates (layout, compositor, display)
        self.data_drawn = False  # a watched widget rendered a line with data
        self.first_frame: float | None = None  # end of the first frame of any kind
        self.first_paint: float | None = None  # end of the first frame showing data
        self.last_display = 0.0  # end of the latest frame
        self.marks: dict[str, float] = {}
        self._depth = 0

    def install(self) -> None:
        import asyncio.events

        from textual._compositor import CompositorUpdate
        from textual.app import App
        from textual.screen import Screen

        probe = self
        handle_run = asyncio.events.Handle._run

        def timed_run(handle: Any) -> None:
            start = time.perf_counter()
            try:
                handle_run(handle)
            finally:
                probe.busy += time.perf_counter() - start

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

        dispatch = App._dispatch_action

        async def timed_dispatch(app: Any, namespace: Any, action_name: str, params: Any) -> bool:
            start = time.perf_counter()
            try:
                return await dispatch(app, namespace, action_name, params)
            finally:
                probe.action += time.perf_counter() - start

        App._dispatch_action = timed_dispatch  # type: ignore[method-assign]

        def frame_timer(original: Any) -> Any:
            def timed(screen: Any, *args: Any, **kwargs: Any) -> Any:
                probe._depth += 1
                start = time.perf_counter()
                try:
                    return original(screen, *args, **kwargs)
                finally:
                    probe._depth -= 1
                    if probe._depth == 0:
                        probe.frame += time.perf_counter() - start

            return timed

        Screen._on_timer_update = frame_timer(Screen._on_timer_update)  # type: ignore[method-assign]
        Screen._refresh_layout = frame_timer(Screen._refresh_layout)  # type: ignore[method-assign]

        display = App._display

        def timed_display(app: Any, screen: Any, renderable: Any) -> None:
            display(app, screen, renderable)
            if renderable is None:
                return
            if app.is_headless and isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what writing to a terminal costs
            now = time.perf_counter()
            probe.last_display = now
            if probe.first_frame is None:
                probe.first_frame = now
            if probe.data_drawn and probe.first_paint is None:
                probe.first_paint = now

        App._display = timed_display  # type: ignore[method-assign]

    def watch(self, widget_cls: type, has_data: Any) -> None:
        """Note when ``widget_cls.render_line`` first draws a line for which ``has_data``."""
        probe = self
        render_line = widget_cls.render_line

        def watched(widget: Any, y: int) -> Any:
            strip = render_line(widget, y)
            if not probe.data_drawn and has_data(widget, y):
                probe.data_drawn = True
            return strip

        widget_cls.render_line = watched


async def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    """Let the app run on its own (no forced frames) until ``predicate()``."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def _time_keys(app: Any, probe: Probe, keys: list[str]) -> dict[str, list[float]]:
    """Deliver each key as the terminal driver does, then let the app settle on its own.

    Not ``pilot.press``/``pause``: the pilot's own bookkeeping (a callback to every widget
    per wait) would be counted as app work, more so the more widgets a screen has.
    """
    busy, handled = [], []
    for key in keys:
        b0, a0, f0 = probe.busy, probe.action, probe.frame
        app._driver.send_message(_key_event(app, key))
        await asyncio.sleep(KEY_SETTLE_S)  # the app handles the key and paints (60 fps timer)
        while True:  # a slow key (DataTable's page-down) may need longer: wait for idle
            before = probe.busy
            await asyncio.sleep(0.02)
            if probe.busy - before < 0.001:
                break
        busy.append(probe.busy - b0)
        handled.append(probe.action - a0 + probe.frame - f0)
    return {"busy": busy, "handled": handled}


def _key_event(app: Any, key: str) -> Any:
    """A key as the terminal driver delivers it (so it goes through the bindings)."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    return event


# ====================================================================== children
def child_read_csv(args: argparse.Namespace) -> None:
    import polars as pl

    imported = time.time()
    start = time.perf_counter()
    frame = pl.read_csv(args.file)
    read_s = time.perf_counter() - start
    rss = peak_rss_mb()
    out: dict[str, Any] = {
        "imported_at": imported,
        "read_s": read_s,
        "rows": frame.height,
        "est_mb": frame.estimated_size() / MB,
        "peak_rss_mb": rss,
    }
    if args.ops:
        sorts, filters = [], []
        for _ in range(3):
            start = time.perf_counter()
            frame.sort(SORT_COLUMN)
            sorts.append(time.perf_counter() - start)
            start = time.perf_counter()
            hits = frame.filter(pl.sql_expr(FILTER)).height
            filters.append(time.perf_counter() - start)
        out.update(sort_s=median(sorts), filter_s=median(filters), filter_rows=hits)
    emit(out)


def child_ours(args: argparse.Namespace) -> None:
    import clay_tui.cli.main  # noqa: F401  (first, as in `clay-tui FILE`: it tunes the allocator)
    from clay_tui.config import load_settings
    from clay_tui.services import tables as table_service
    from clay_tui.table.lead_table import snapshot_path, wait_for_pending
    from clay_tui.table.view import TableView
    from clay_tui.ui.app import ClayApp
    from clay_tui.ui.screens.table_screen import TableScreen
    from clay_tui.ui.widgets.lead_grid import HEADER_HEIGHT, LeadGrid
    from clay_tui.workspace import Workspace

    imported = time.time()
    probe = Probe()
    probe.install()
    probe.watch(LeadGrid, lambda grid, y: y >= HEADER_HEIGHT and bool(grid._win_rows))

    open_table = table_service.open_table

    def timed_open(ws: Any, target: Any) -> Any:
        start = time.perf_counter()
        try:
            return open_table(ws, target)
        finally:
            probe.marks["open_table_s"] = time.perf_counter() - start

    table_service.open_table = timed_open  # the load worker calls it through the module

    view_updated = TableScreen.on_view_updated

    def timed_view_updated(screen: Any, message: Any) -> None:
        view_updated(screen, message)
        probe.marks["view_updated"] = time.perf_counter()

    TableScreen.on_view_updated = timed_view_updated  # type: ignore[method-assign]

    async def drive(t0: float, ws: Any, app: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with app.run_test(size=SIZE) as pilot:
            await _wait_for(
                lambda: probe.first_paint is not None or app.load_error is not None,
                120,
                "the first paint",
            )
            if app.load_error:
                raise RuntimeError(app.load_error)
            assert probe.first_paint is not None and probe.first_frame is not None
            out["first_paint_s"] = probe.first_paint - t0
            out["first_frame_s"] = probe.first_frame - t0
            out["open_table_s"] = probe.marks.get("open_table_s")
            out["rss_after_paint_mb"] = peak_rss_mb()
            table = app.table
            out["rows"] = table.row_count
            out["est_mb"] = table.frame.estimated_size() / MB
            if not args.interact:
                return out
            wait_for_pending(snapshot_path(ws, table.id))  # the background first snapshot
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.table_screen
            grid = screen.grid
            out["moves"] = await _time_keys(app, probe, MOVES)
            out["pagedowns"] = await _time_keys(app, probe, PAGE_DOWNS)
            out["cursor_after"] = [grid.cursor_row, grid.cursor_col]
            out["unbound"] = await _time_keys(app, probe, UNBOUND)

            async def app_job(start_job: Any) -> float:
                before = probe.marks.get("view_updated", 0.0)
                start = time.perf_counter()
                start_job()
                await _wait_for(
                    lambda: (
                        probe.marks.get("view_updated", 0.0) > before
                        and probe.last_display > probe.marks["view_updated"]
                    ),
                    120,
                    "the view job",
                )
                return probe.last_display - start

            assert grid.move_to_column(SORT_COLUMN)
            await pilot.pause()
            out["app_sort_s"] = await app_job(
                lambda: app._driver.send_message(_key_event(app, "s"))
            )
            out["app_sort_ok"] = screen.view.sort == (SORT_COLUMN, False)
            await pilot.pause()
            out["app_filter_s"] = await app_job(lambda: screen.view_jobs.apply_filter(FILTER))
            out["app_filter_rows"] = grid.row_count
            await pilot.pause()

            view = TableView(table)
            sorts, filters = [], []
            for _ in range(3):
                start = time.perf_counter()
                view.set_sort(SORT_COLUMN)
                sorts.append(time.perf_counter() - start)
                view.set_sort(None)
                start = time.perf_counter()
                view.set_filter(FILTER)
                filters.append(time.perf_counter() - start)
                out["view_filter_rows"] = view.row_count
                view.set_filter(None)
            out["view_sort_s"] = median(sorts)
            out["view_filter_s"] = median(filters)
            out["peak_rss_mb"] = peak_rss_mb()
        return out

    t0 = time.perf_counter()
    ws = Workspace.open(load_settings(None, Path(args.ws)))
    app = ClayApp(ws, target=args.file)
    out = asyncio.run(drive(t0, ws, app))
    out["imported_at"] = imported
    out.setdefault("peak_rss_mb", peak_rss_mb())
    ws.close()
    emit(out)


def child_datatable(args: argparse.Namespace) -> None:
    import polars as pl
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    imported = time.time()
    probe = Probe()
    probe.install()
    probe.watch(
        DataTable,
        lambda table, y: (
            table.row_count > 0 and y >= (table.header_height if table.show_header else 0)
        ),
    )

    class Baseline(App[None]):
        """The textbook DataTable app: read with Polars, add every row in on_mount."""

        est_mb = 0.0

        def compose(self) -> ComposeResult:
            yield DataTable(id="grid")

        def on_mount(self) -> None:
            frame = pl.read_csv(args.file)
            grid = self.query_one(DataTable)
            grid.add_columns(*frame.columns)
            grid.add_rows(frame.iter_rows())
            grid.focus()
            self.est_mb = frame.estimated_size() / MB

    async def drive(t0: float, app: Baseline) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with app.run_test(size=SIZE) as pilot:
            await _wait_for(lambda: probe.first_paint is not None, 300, "the first paint")
            assert probe.first_paint is not None
            out["first_paint_s"] = probe.first_paint - t0
            out["rss_after_paint_mb"] = peak_rss_mb()
            grid = app.query_one(DataTable)
            out["rows"] = grid.row_count
            out["est_mb"] = app.est_mb
            if args.interact:
                await pilot.pause()
                out["moves"] = await _time_keys(app, probe, MOVES)
                out["pagedowns"] = await _time_keys(app, probe, PAGE_DOWNS)
                out["cursor_after"] = list(grid.cursor_coordinate)
                out["unbound"] = await _time_keys(app, probe, UNBOUND)
            out["peak_rss_mb"] = peak_rss_mb()
        return out

    t0 = time.perf_counter()
    app = Baseline()
    out = asyncio.run(drive(t0, app))
    out["imported_at"] = imported
    emit(out)


CHILDREN = {"read_csv": child_read_csv, "ours": child_ours, "datatable": child_datatable}


# ====================================================================== parent
CHILD_ENV: dict[str, str] = {}  # --env KEY=VALUE, for every child


def _child(kind: str, file: Path, *extra: str) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--file", str(file)]
    spawned = time.time()
    out = run_child([*argv, *extra], env=CHILD_ENV)
    out["startup_s"] = out["imported_at"] - spawned  # interpreter start + imports
    return out


def lead_file(data_dir: Path, rows: int) -> Path:
    """``leads_<rows>.csv`` in ``data_dir``, generated once (seed 42, like make_big.py)."""
    path = data_dir / f"leads_{rows}.csv"
    if not path.is_file():
        from clay_tui.table.sample_data import make_leads

        data_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        make_leads(rows, messy=False, seed=42).write_csv(tmp)
        os.replace(tmp, path)
        print(f"generated {path} ({rows:,} rows) in {time.perf_counter() - start:.1f} s")
    return path


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=None, help="comma-separated sizes (100000,1000000)")
    parser.add_argument("--datatable-rows", type=int, default=None, help="DataTable size (100000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10k/100k, no repeats")
    parser.add_argument("--repeat", type=int, default=None, help="fresh processes per first paint")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set in every child's environment (e.g. _RJEM_MALLOC_CONF=dirty_decay_ms:0)",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--ws", help=argparse.SUPPRESS)
    parser.add_argument("--interact", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ops", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args)
        return 0
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env takes KEY=VALUE, not {item!r}")
        CHILD_ENV[key] = value

    sizes = [
        int(s)
        for s in (args.rows or ("10000,100000" if args.quick else "100000,1000000")).split(",")
    ]
    sizes = sorted(set(sizes))
    big = sizes[-1]
    dt_rows = args.datatable_rows or (10_000 if args.quick else 100_000)
    repeat = args.repeat or (1 if args.quick else 3)
    files = {n: lead_file(args.data_dir, n) for n in sorted({*sizes, dt_rows})}
    root = Path(tempfile.mkdtemp(prefix="clay-bench-"))
    started = time.perf_counter()
    try:
        res = _run_all(files, sizes, big, dt_rows, repeat, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    _report(res, sizes, big, dt_rows, repeat)
    if CHILD_ENV:
        print("child environment: " + " ".join(f"{k}={v}" for k, v in CHILD_ENV.items()))
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs)")
    return 0


def _run_all(
    files: dict[int, Path], sizes: list[int], big: int, dt_rows: int, repeat: int, root: Path
) -> dict[str, Any]:
    res: dict[str, Any] = {"read": {}, "ours": {}, "reopen": {}, "dt": None}
    for n in sizes:
        print(f"{_size(n)} rows: polars.read_csv ×{repeat} ...", flush=True)
        reads = [
            _child("read_csv", files[n], *(["--ops"] if i == 0 and n == big else []))
            for i in range(repeat)
        ]
        res["read"][n] = reads
        more = " + keys, sort, filter" if n == big else ""
        print(f"{_size(n)} rows: clay-tui first paint ×{repeat}{more} ...", flush=True)
        runs = []
        for i in range(repeat):
            ws = root / f"ws-{n}-{i}"
            extra = ["--ws", str(ws)] + (["--interact"] if i == 0 and n == big else [])
            runs.append(_child("ours", files[n], *extra))
        res["ours"][n] = runs
        print(f"{_size(n)} rows: clay-tui reopen ×{repeat} ...", flush=True)
        res["reopen"][n] = [
            _child("ours", files[n], "--ws", str(root / f"ws-{n}-0")) for _ in range(repeat)
        ]
    print(f"{_size(dt_rows)} rows: Textual DataTable ×{repeat} + keys ...", flush=True)
    res["dt"] = [
        _child("datatable", files[dt_rows], *(["--interact"] if i == 0 else []))
        for i in range(repeat)
    ]
    return res


def _med(runs: list[dict[str, Any]], key: str) -> float:
    return median([r[key] for r in runs if r.get(key) is not None])


def _report(res: dict[str, Any], sizes: list[int], big: int, dt_rows: int, repeat: int) -> None:
    rows: list[list[object]] = []

    def add(label: str, ours: str, base: str = "", ratio: str = "", target: str = "",
            verdict: str = "") -> None:  # fmt: skip
        rows.append([label, ours, base, ratio, target, verdict])

    b, d = _size(big), _size(dt_rows)
    dt = res["dt"]
    dt_paint = _med(dt, "first_paint_s")
    for n in sizes:
        s = _size(n)
        runs = res["ours"][n]
        paint, read = _med(runs, "first_paint_s"), _med(res["read"][n], "read_s")
        reopen = _med(res["reopen"][n], "first_paint_s")
        target = verdict = ""
        if n == big:
            target = f"<= 1.0 s and <= {PAINT_TARGET_X:g}x"
            verdict = _verdict(paint <= PAINT_TARGET_S and paint <= PAINT_TARGET_X * read)
        label = f"first paint {s} (import) / polars.read_csv {s}"
        add(label, fmt_ms(paint, 0), fmt_ms(read, 0), fmt_ratio(paint, read), target, verdict)
        if n == dt_rows:
            label = f"first paint {s} (import) / DataTable {d}"
            add(label, fmt_ms(paint, 0), fmt_ms(dt_paint, 0), fmt_ratio(paint, dt_paint))
        add(f"  of which open_table (load worker) {s}", fmt_ms(_med(runs, "open_table_s"), 0))
        add(f"  first frame (loading screen) {s}", fmt_ms(_med(runs, "first_frame_s"), 0))
        label = f"first paint {s} (reopen from workspace) / read_csv"
        add(label, fmt_ms(reopen, 0), fmt_ms(read, 0), fmt_ratio(reopen, read))
    if dt_rows not in sizes:
        add(f"first paint DataTable {d}", "", fmt_ms(dt_paint, 0))

    ours = next(r for r in res["ours"][big] if "moves" in r)
    dti = next(r for r in dt if "moves" in r)
    key_ok = True
    keys = (
        ("50 cursor moves", "moves"),
        ("20 page-downs", "pagedowns"),
        ("unbound key", "unbound"),
    )
    for label, name in keys:
        o, t = ours[name], dti[name]
        for stat, fn in (("mean", mean), ("p95", p95)):
            ob, tb = fn(o["busy"]), fn(t["busy"])
            target = verdict = ""
            if name != "unbound" and stat == "p95":
                target, verdict = "<= 20 ms", _verdict(ob <= KEY_TARGET_S)
                key_ok = key_ok and ob <= KEY_TARGET_S
            row = f"{label} {stat}, busy: {b} / DataTable {d}"
            add(row, fmt_ms(ob), fmt_ms(tb), fmt_ratio(ob, tb), target, verdict)
        if name != "unbound":
            oh, th = o["handled"], t["handled"]
            add(f"  {label} handler+frame mean / p95", f"{fmt_ms(mean(oh))} / {fmt_ms(p95(oh))}",
                f"{fmt_ms(mean(th))} / {fmt_ms(p95(th))}")  # fmt: skip

    pol = next(r for r in res["read"][big] if "sort_s" in r)
    vs, ps = ours["view_sort_s"], pol["sort_s"]
    add(f"sort by {SORT_COLUMN} {b}: TableView / df.sort", fmt_ms(vs, 0), fmt_ms(ps, 0),
        fmt_ratio(vs, ps))  # fmt: skip
    add(f"  sort in the app (key -> repainted) {b}", fmt_ms(ours["app_sort_s"], 0))
    vf, pf = ours["view_filter_s"], pol["filter_s"]
    add(f"filter {b}: TableView / df.filter(sql_expr)", fmt_ms(vf, 0), fmt_ms(pf, 0),
        fmt_ratio(vf, pf))  # fmt: skip
    add(f"  filter in the app (submit -> repainted) {b}", fmt_ms(ours["app_filter_s"], 0))

    est, peak = ours["est_mb"], ours["peak_rss_mb"]
    limit = RSS_FACTOR * est + RSS_EXTRA_MB
    rss_ok = peak <= limit
    add(f"peak RSS {b} (whole session) / frame estimated_size", f"{peak:.0f} MB", f"{est:.0f} MB",
        fmt_ratio(peak, est), f"<= {limit:.0f} MB", _verdict(rss_ok))  # fmt: skip
    add(f"  peak RSS right after first paint {b}", f"{ours['rss_after_paint_mb']:.0f} MB")
    read_rss = _med(res["read"][big], "peak_rss_mb")
    add(f"peak RSS {b}: clay-tui / polars.read_csv alone", f"{peak:.0f} MB", f"{read_rss:.0f} MB",
        fmt_ratio(peak, read_rss))  # fmt: skip
    add(
        f"peak RSS DataTable {d} (frame {dti['est_mb']:.0f} MB)", "", f"{dti['peak_rss_mb']:.0f} MB"
    )
    startup = _med(res["ours"][big], "startup_s")
    add(
        "python + imports (not in first paint)",
        fmt_ms(startup, 0),
        fmt_ms(_med(dt, "startup_s"), 0),
    )

    print()
    print(f"clay-tui open_table benchmark: {SIZE[0]}x{SIZE[1]} headless; first paint and read_csv:"
          f" median of {repeat} fresh process(es)")  # fmt: skip
    print(format_table(["measure", "clay-tui", "baseline", "ratio", "target", "result"], rows))
    print()
    print(f"cursor after the keys: clay-tui (row, col) {tuple(ours['cursor_after'])}, "
          f"DataTable {tuple(dti['cursor_after'])}")  # fmt: skip
    for n in sizes:
        runs = {
            "clay-tui": res["ours"][n],
            "reopen": res["reopen"][n],
            "read_csv": res["read"][n],
        }
        text = ", ".join(
            f"{k} " + "/".join(f"{r.get('first_paint_s', r.get('read_s')) * 1000:.0f}" for r in v)
            for k, v in runs.items()
        )
        print(f"runs at {_size(n)} (ms): {text}")
    text = "/".join(f"{r['first_paint_s'] * 1000:.0f}" for r in dt)
    print(f"runs DataTable {d} (ms): {text}")
    same = ours["app_filter_rows"] == ours["view_filter_rows"] == pol["filter_rows"]
    checks = [
        ("rows loaded", ours["rows"] == big),
        ("sort applied in the app", ours["app_sort_ok"]),
        (f"filter rows app == TableView == polars ({pol['filter_rows']:,})", same),
    ]
    for name, ok in checks:
        print(f"check: {name}: {'ok' if ok else 'WRONG'}")
    paint, read = _med(res["ours"][big], "first_paint_s"), _med(res["read"][big], "read_s")
    paint_ok = paint <= PAINT_TARGET_S and paint <= PAINT_TARGET_X * read
    print(f"targets at {b} rows: first paint {_verdict(paint_ok)}, keypress {_verdict(key_ok)},"
          f" peak RSS {_verdict(rss_ok)}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
