"""Opening a 1M-row lead table from PostgreSQL beside its Parquet snapshot, and the write side.

The table is ``bench/data/leads_<rows>.csv`` (generated once, as bench/open_table.py does)
loaded the way clay-tui imports it (``load_file`` + ``_row_id``). Its snapshot is written the
way ``table/snapshots.py`` writes one (lz4 Parquet, fsync), and stored in PostgreSQL with
``workspace/pg_frames.write_frame`` (the team workspace's layout: ``_r``, ``c0 .. cN``).

Every measurement runs in a fresh process (imports and connections count, as when a user opens
a table), repeated ``--repeat`` times interleaved; the medians are printed with the ratio to
the baseline measured in the same run (reads: ``pl.read_parquet`` of the snapshot; writes:
writing the snapshot).

Reads:
- ``pg_frames.read_frame``: what the team workspace does (meta row, ADBC, dtypes and names back)
- ``ADBC``: ``SELECT *`` of the same physical table through adbc-driver-postgresql, Arrow out
- ``connectorx`` (and with 2 partitions on ``_r``): ``pl.read_database_uri(engine=
  "connectorx")``; connectorx needs pyarrow (not a clay-tui dependency: ``pip install
  connectorx pyarrow`` to include it, else the row says so)
- ``psycopg COPY csv``: ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` into ``pl.read_csv``
- ``psycopg COPY binary``: psycopg's typed binary COPY rows into Polars (Python per row: run on
  ``--binary-rows`` rows and scaled up to the table, marked so)
Writes:
- ``pg_frames.write_frame``: what the team workspace does (CSV chunks into ``COPY ... FREEZE``
  on a new generation's table, then the swap and the old generation's drop)
- ``ADBC ingest``: ``adbc_ingest`` of the same physical frame (binary COPY) into a new table
- ``psycopg COPY csv``: one ``write_csv`` buffer into ``COPY ... FROM STDIN (FORMAT csv)``

    python bench/pg_open.py [--rows 1000000] [--repeat 3] [--no-fsync] [--url URL]

The server is a throwaway one from tests/pgserver.py on loopback (fsync on unless
``--no-fsync``), or ``--url`` names an empty database.
"""

from __future__ import annotations

import argparse
import io
import math
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
sys.path.insert(2, str(REPO / "tests"))  # the throwaway server of the test suite

from _common import emit, format_table, median, peak_rss_mb, run_child  # noqa: E402

FRAME = "leads"
READS = {
    "parquet": "Parquet snapshot (pl.read_parquet), baseline",
    "pg_frames": "pg_frames.read_frame (ADBC)",
    "adbc": "ADBC, SELECT * of the table",
    "connectorx": "connectorx",
    "connectorx2": "connectorx, 2 partitions",
    "copy_csv": "psycopg COPY csv -> pl.read_csv",
    "copy_binary": "psycopg COPY binary rows",
}
WRITES = {
    "parquet_write": "Parquet snapshot (lz4, fsync), baseline",
    "pg_frames_write": "pg_frames.write_frame (COPY csv, FREEZE)",
    "adbc_write": "ADBC ingest (binary COPY)",
    "copy_csv_write": "psycopg write_csv -> COPY csv",
}


# ====================================================================== children
def _postmaster_pid(server: Any) -> int:
    if server is None:
        return 0
    return int((server.data_dir / "postmaster.pid").read_text().split()[0])


def server_cpu(pid: int) -> float:
    """CPU seconds the server has used: the postmaster, its live processes, and the ones that
    already ended (counted in the postmaster's cutime/cstime once reaped). Nothing else uses
    the throwaway server during a run, so the difference is what the run cost the server."""
    if not pid:
        return math.nan
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: str) -> list[str]:
        with open(f"/proc/{p}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()

    total = sum(int(x) for x in fields(str(pid))[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != str(pid):
            try:
                f = fields(entry)
            except OSError:
                continue
            if f[1] == str(pid):  # its parent is the postmaster
                total += int(f[11]) + int(f[12])
    return total / tick


class _Clock:
    """Wall time, this process's CPU time (all threads) and the server's CPU time."""

    def __init__(self, pg_pid: int) -> None:
        self.pg_pid = pg_pid
        self.start()

    def start(self) -> None:
        self.server, self.cpu, self.wall = (
            server_cpu(self.pg_pid),
            time.process_time(),
            time.perf_counter(),
        )

    def stop(self, settle: float = 0.3) -> dict[str, float]:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        time.sleep(settle)  # a closed connection's backend exits and is reaped (then counted)
        return {"seconds": wall, "cpu": cpu, "server_cpu": server_cpu(self.pg_pid) - self.server}


def _child(args: argparse.Namespace) -> None:
    import polars as pl  # the floor every engine shares: not timed

    kind = args.child
    if kind == "prepare":
        emit(_prepare(args))
        return
    frame = pl.read_parquet(args.snapshot) if kind.endswith("_write") else None
    extra: dict[str, Any] = {}
    clock = _Clock(args.pg_pid)
    if kind == "parquet":
        rows = pl.read_parquet(args.snapshot).height
    elif kind == "pg_frames":
        from clay_tui.config import load_settings
        from clay_tui.workspace import Workspace
        from clay_tui.workspace.pg_frames import read_frame

        with Workspace.open(load_settings(None, args.url)) as ws:
            extra["workspace_open"] = clock.stop(0)["seconds"]  # the TUI has it open already
            clock.start()
            got = read_frame(ws, FRAME)
            assert got is not None
            rows = got[0].height
    elif kind == "adbc":
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(args.url) as conn, conn.cursor() as cur:
            cur.execute(f'SELECT * FROM "{args.table}"')
            rows = pl.DataFrame(cur.fetch_arrow()).height
    elif kind in ("connectorx", "connectorx2"):
        try:
            import connectorx  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError as exc:
            emit({"skipped": f"{exc.name} is not installed"})
            return
        part = {"partition_on": "_r", "partition_num": 2} if kind == "connectorx2" else {}
        query = f'SELECT * FROM "{args.table}"'
        got_cx = pl.read_database_uri(query, args.url, engine="connectorx", **part)  # type: ignore[arg-type]
        rows = got_cx.height
    elif kind == "copy_csv":
        rows = _copy_csv_read(args)
    elif kind == "copy_binary":
        rows, extra["scaled_from"] = _copy_binary_read(args)
    elif kind == "parquet_write":
        assert frame is not None
        out = Path(args.scratch) / "written.parquet"
        frame.write_parquet(out, compression="lz4", metadata={"clay_tui_journal_seq": "1"})
        with open(out, "rb") as fh:
            os.fsync(fh.fileno())
        rows = frame.height
    elif kind == "pg_frames_write":
        assert frame is not None
        from clay_tui.config import load_settings
        from clay_tui.workspace import Workspace
        from clay_tui.workspace.pg_frames import write_frame

        with Workspace.open(load_settings(None, args.url)) as ws:
            extra["workspace_open"] = clock.stop(0)["seconds"]
            clock.start()
            write_frame(ws, "written", frame, {"seq": "1"})
        rows = frame.height
    elif kind == "copy_csv_write":
        rows = _copy_csv_write(args, frame)
    elif kind == "adbc_write":
        rows = _adbc_write(args, frame)
    else:
        raise SystemExit(f"unknown child {kind}")
    emit(clock.stop() | {"rows": rows, "rss_mb": peak_rss_mb()} | extra)


def _pg_types(args: argparse.Namespace) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(args.url) as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                (args.table,),
            )
        ]


def _copy_csv_read(args: argparse.Namespace) -> int:
    import polars as pl
    import psycopg

    polars_type = {"bigint": pl.Int64, "text": pl.String, "boolean": pl.Boolean}
    columns = _pg_types(args)
    with psycopg.connect(args.url) as conn, conn.cursor() as cur:
        query = f'COPY (SELECT * FROM "{args.table}") TO STDOUT (FORMAT csv)'
        with cur.copy(query) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
    schema = {name: polars_type.get(t, pl.String) for name, t in columns}
    return pl.read_csv(data, has_header=False, schema=schema).height


def _copy_binary_read(args: argparse.Namespace) -> tuple[int, int]:
    import polars as pl
    import psycopg

    columns = _pg_types(args)
    with psycopg.connect(args.url) as conn, conn.cursor() as cur:
        select = f'SELECT * FROM "{args.table}" LIMIT {args.binary_rows}'
        query = f"COPY ({select}) TO STDOUT (FORMAT binary)"
        with cur.copy(query) as copy:
            copy.set_types([t for _, t in columns])
            rows = list(copy.rows())
    frame = pl.DataFrame(rows, schema=[name for name, _ in columns], orient="row")
    return frame.height, args.binary_rows


def _physical(frame: Any) -> tuple[Any, str]:
    """The frame with pg_frames' physical names, and its column definitions."""
    physical = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    types = {"Int64": "bigint", "String": "text", "Boolean": "boolean", "Float64": "float8"}
    return physical, ", ".join(f"{c} {types[str(d)]}" for c, d in physical.schema.items())


def _adbc_write(args: argparse.Namespace, frame: Any) -> int:
    import adbc_driver_postgresql.dbapi as adbc

    physical, defs = _physical(frame)
    with adbc.connect(args.url) as conn, conn.cursor() as cur:  # one transaction
        cur.execute("DROP TABLE IF EXISTS adbc_written")
        cur.execute(f"CREATE TABLE adbc_written ({defs})")
        cur.adbc_ingest("adbc_written", physical, mode="append")
        conn.commit()
    return frame.height


def _copy_csv_write(args: argparse.Namespace, frame: Any) -> int:
    import psycopg

    physical, defs = _physical(frame)
    buf = io.BytesIO()
    physical.write_csv(buf, include_header=False, null_value="", quote_style="non_numeric")
    with psycopg.connect(args.url) as conn:  # one transaction, committed on exit
        conn.execute("DROP TABLE IF EXISTS copy_written")
        conn.execute(f"CREATE TABLE copy_written ({defs})")
        with conn.cursor() as cur, cur.copy("COPY copy_written FROM STDIN (FORMAT csv)") as out:
            out.write(buf.getbuffer())
    return frame.height


# ====================================================================== parent
def _prepare(args: argparse.Namespace) -> dict[str, str]:
    """Write the snapshot and store the frame; the snapshot's path and the physical table."""
    import polars as pl
    from open_table import lead_file
    from polars.testing import assert_frame_equal

    from clay_tui.config import load_settings
    from clay_tui.table.loading import load_file
    from clay_tui.workspace import Workspace
    from clay_tui.workspace.pg_frames import read_frame, write_frame

    csv = lead_file(Path(args.data_dir), args.rows)
    frame = load_file(csv).frame
    frame = frame.with_row_index("_row_id", offset=1).with_columns(pl.col("_row_id").cast(pl.Int64))
    snapshot = Path(args.scratch) / "leads.parquet"
    frame.write_parquet(snapshot, compression="lz4", metadata={"clay_tui_journal_seq": "1"})
    with Workspace.open(load_settings(None, args.url)) as ws:
        write_frame(ws, FRAME, frame, {"seq": "1"})
        got = read_frame(ws, FRAME)
        assert got is not None
        assert_frame_equal(got[0], frame, check_exact=True)
        table = ws.db.execute("SELECT parts[1] FROM clay_frames WHERE name = ?", (FRAME,))
        part = table.fetchone()[0]
    schema = ", ".join(f"{n} {d}" for n, d in frame.schema.items())
    summary = (
        f"table: {frame.height:,} rows x {frame.width} columns ({schema})\n"
        f"snapshot {snapshot.stat().st_size / 1e6:.0f} MB; round trip through pg_frames: identical"
    )
    return {"snapshot": str(snapshot), "table": part, "summary": summary}


def _run(
    kind: str, args: argparse.Namespace, url: str, snapshot: Path, table: str, scratch: Path
) -> dict:
    argv = [sys.executable, __file__, "--child", kind, "--url", url, "--snapshot", str(snapshot)]
    argv += ["--table", table, "--scratch", str(scratch), "--binary-rows", str(args.binary_rows)]
    argv += ["--pg-pid", str(args.pg_pid)]
    return run_child(argv, timeout=900)


def _report(title: str, kinds: dict[str, str], results: dict[str, list[dict]], rows: int) -> None:
    if not kinds:
        return
    base = median([r["seconds"] for r in results[next(iter(kinds))]])
    out = []
    for kind, label in kinds.items():
        runs = results[kind]
        if runs and "skipped" in runs[0]:
            out.append([label, "-", "-", "-", "-", "-", "-", runs[0]["skipped"]])
            continue
        scale = rows / runs[0]["scaled_from"] if "scaled_from" in runs[0] else 1
        seconds = [r["seconds"] * scale for r in runs]
        note = " ".join(f"{x:.2f}" for x in seconds)
        if "scaled_from" in runs[0]:
            note = f"{runs[0]['scaled_from']:,} rows, x{scale:g}: {note}"
        if "workspace_open" in runs[0]:
            opened = median([r["workspace_open"] for r in runs])
            note = f"{note} (after a {opened:.2f} s Workspace.open)"
        wall = median(seconds)
        out.append(
            [
                label,
                f"{wall:.2f} s",
                f"{min(seconds):.2f} s",
                f"{wall / base:.1f}x",
                f"{median([r['cpu'] * scale for r in runs]):.2f} s",
                f"{median([r['server_cpu'] * scale for r in runs]):.2f} s",
                f"{median([r['rss_mb'] for r in runs]):.0f} MB",
                note,
            ]
        )
    headers = ["", "median", "min", "vs baseline", "CPU", "server CPU", "peak RSS", "runs (s)"]
    print(f"\n{title}")
    print(format_table(headers, out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", default=str(HERE / "data"))
    ap.add_argument("--url", default=None, help="an empty PostgreSQL database to use")
    ap.add_argument("--no-fsync", action="store_true", help="the throwaway server without fsync")
    ap.add_argument("--binary-rows", type=int, default=100_000)
    ap.add_argument("--skip", default="", help="comma-separated kinds not to run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--table", help=argparse.SUPPRESS)
    ap.add_argument("--scratch", help=argparse.SUPPRESS)
    ap.add_argument("--pg-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args)
        return 0
    args.binary_rows = min(args.binary_rows, args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="clay-bench-pgopen-"))
    scratch.chmod(0o755)
    server = None
    try:
        if args.url is None:
            from pgserver import start_server

            server = start_server(scratch / "server", durable=not args.no_fsync)
        url = args.url or server.create_database("open")  # type: ignore[union-attr]
        args.pg_pid = _postmaster_pid(server)
        prep = [sys.executable, __file__, "--child", "prepare", "--url", url]
        prep += ["--scratch", str(scratch), "--rows", str(args.rows), "--data-dir", args.data_dir]
        prepared = run_child(prep, timeout=900)  # the big frame stays out of this process: a
        print(prepared["summary"])  # child starts with its parent's peak RSS on Linux
        snapshot, table = Path(prepared["snapshot"]), prepared["table"]
        skip = set(args.skip.split(",")) - {""}
        kinds = [k for k in (*READS, *WRITES) if k not in skip]
        results: dict[str, list[dict]] = {k: [] for k in kinds}
        for i in range(args.repeat):
            for kind in kinds:
                results[kind].append(_run(kind, args, url, snapshot, table, scratch))
            print(f"round {i + 1}/{args.repeat} done", flush=True)
        fsync = "off" if args.no_fsync else "on"
        where = "--url" if args.url else f"throwaway server on loopback, fsync {fsync}"
        print(f"\n{args.rows:,} rows, {args.repeat} runs each, fresh process per run ({where})")
        _report(
            "Open (read) the table",
            {k: READS[k] for k in READS if k in results},
            results,
            args.rows,
        )
        _report(
            "Save (write) the table",
            {k: WRITES[k] for k in WRITES if k in results},
            results,
            args.rows,
        )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
