"""Start-up: from the command to the first row on screen in a real terminal, beside VisiData.

    python bench/startup.py [--rows 1000000] [--repeat 5] [--data-dir DIR] [--no-visidata]
                            [--before DIR]

Each run spawns the program in a fresh pseudo-terminal (160x45, ``TERM=xterm-256color``), as
a user's shell would, and reads what it writes to the terminal until the first row's first
cell appears (escape sequences stripped); the time is from just before the spawn to that
read. Then the program is killed (its whole process group). Nothing is warm but the page
cache and Python's bytecode cache, as after any install: the measured processes run without
``PYTHONDONTWRITEBYTECODE`` and one unmeasured run of each program comes first, so no run
compiles sources (with the variable set, every start compiles clay_tui anew: ~0.3 s more).

* ``clay-tui --workspace TMP FILE``: a fresh temporary workspace per run, so every run
  imports the file as a user's first ``clay-tui leads.csv`` does. "reopen": the same
  command on a workspace that already holds the table (made once by ``clay-tui import``),
  which reads the table's Parquet snapshot. A big file shows its first rows while the rest
  loads: "all rows in" is when the status bar showed its whole row count. ``--before DIR``
  also runs clay-tui from another source tree (``git archive COMMIT clay_tui | tar -x -C
  DIR``), each of its runs right after the same run of this tree, so both see the same load
  ("before" rows).
* ``vd FILE``: VisiData (``pip install visidata``, a bench-only tool, not a project
  dependency), which streams the file in a thread and paints the first rows at once.
* headless verbs, to exit: ``clay-tui --help`` (loads every verb) and ``clay-tui tables``.
* floor: ``python -c "import textual.app, polars"``, to exit: the interpreter and the two
  libraries every first paint needs, below which no lazy import can go.

The files: ``sample_tables/leads.csv`` (the sample table) and a generated lead list of
``--rows`` rows in ``bench/data/`` (``leads_<rows>.csv``, the file ``open_table.py`` uses).
Targets (issue 10, item 7): the 1M-row CSV <= 0.8 s, the sample table <= 0.5 s.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import math
import os
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

from _common import fmt_ms, fmt_ratio, format_table, median  # noqa: E402
from open_table import lead_file  # noqa: E402

SIZE = (160, 45)  # columns, lines
TIMEOUT_S = 60.0
TARGETS = {"sample": 0.5, "big": 0.8}
BIN = Path(sys.executable).parent
ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI (cursor moves, colours, modes)
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (title, clipboard)
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS and friends
    rb"|\x1b[()*+][0-9A-Za-z]"  # character sets
    rb"|\x1b[=>78MDEc]"  # keypad modes, save/restore cursor
    rb"|[\x00-\x08\x0e-\x1f]"  # other control characters
)


def first_cell(path: Path) -> str:
    """The first data row's first cell: the text whose arrival on screen is the first row."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        value = next(reader)[0].strip()
    if not value or any(a == b for a, b in zip(value, value[1:], strict=False)):
        # curses may send a doubled letter as one letter plus "repeat" (REP); say so
        print(f"note: first cell {value!r} may not match as sent; results may time out")
    return value


def time_to_text(
    argv: list[str], needle: str, env: dict[str, str], then: tuple[str, list[float]] | None = None
) -> tuple[float, float]:
    """Seconds from spawning ``argv`` in a new pty until ``needle`` is on its screen, and the
    CPU seconds (user + system, all threads) the program had used by then (when it was killed,
    where /proc cannot say). ``then``: (text, list): also wait for that text and append when
    it appeared to the list (a big table's whole row count, after its first rows)."""
    master, slave = os.openpty()
    cols, lines = SIZE
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, cols, 0, 0))
    target = needle.encode()
    seen = b""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        start_new_session=True,  # its own session: the pty is its controlling terminal
        close_fds=True,
    )
    os.close(slave)
    found = None
    cpu = math.nan
    later = then[0].encode() if then is not None else None
    try:
        while found is None or later is not None:
            elapsed = time.perf_counter() - start
            if elapsed > TIMEOUT_S:
                raise RuntimeError(f"{argv[0]}: {needle!r} not on screen after {TIMEOUT_S:.0f} s")
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    tail = ESCAPES.sub(b"", seen)[-400:].decode(errors="replace")
                    raise RuntimeError(f"{argv[0]} exited ({proc.returncode}) first: {tail}")
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            now = time.perf_counter()
            if not chunk:
                raise RuntimeError(f"{argv[0]} closed its terminal before {needle!r} appeared")
            seen += chunk
            shown = ESCAPES.sub(b"", seen)
            if found is None and target in shown:
                found = now - start
                cpu = _cpu_of(proc.pid)
            if found is not None and later is not None and later in shown:
                then[1].append(now - start)  # type: ignore[index]
                later = None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status, usage = os.wait4(proc.pid, 0)  # its rusage, which Popen.wait drops
        proc.returncode = os.waitstatus_to_exitcode(status)
        if math.isnan(cpu):
            cpu = usage.ru_utime + usage.ru_stime
        os.close(master)
    return found, cpu


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) process ``pid`` has used so far, or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return math.nan


def time_to_exit(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning ``argv`` to its exit, and its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=REPO, check=True, capture_output=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big CSV")
    parser.add_argument("--repeat", type=int, default=5, help="runs per program and file")
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument("--no-visidata", action="store_true", help="measure clay-tui only")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="also run clay-tui from this source tree (before/after figures)",
    )
    args = parser.parse_args(argv)

    programs = {"clay-tui": [str(BIN / "clay-tui")]}
    if args.before is not None:
        src = str(args.before.resolve())
        programs["clay-tui before"] = [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {src!r}); from clay_tui.cli.main import main; main()",
        ]
    vd = shutil.which("vd", path=str(BIN)) or shutil.which("vd")
    if args.no_visidata:
        vd = None
    elif vd is None:
        print("VisiData is not installed (`.venv/bin/pip install visidata`): measuring without it")

    files = {
        "sample": REPO / "sample_tables" / "leads.csv",
        "big": lead_file(args.data_dir, args.rows),
    }
    needles = {key: first_cell(path) for key, path in files.items()}
    home = Path(tempfile.mkdtemp(prefix="clay-startup-home-"))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "HOME": str(home),  # neither program reads or writes the user's own settings
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    for var in ("COLUMNS", "LINES", "CLAY_TUI_WORKSPACE", "TEXTUAL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)

    times: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}

    def record(key: tuple[str, str], took: float | tuple[float, float]) -> None:
        seconds, cpu = took if isinstance(took, tuple) else (took, math.nan)
        times.setdefault(key, []).append(seconds)
        cpus.setdefault(key, []).append(cpu)

    floor = [str(sys.executable), "-c", "import textual.app, polars"]

    def whole(who: str, key: str) -> tuple[str, list[float]] | None:
        """The big table's row count in the status bar: the whole table is in (clay-tui
        shows a big file's first rows first)."""
        if key != "big":
            return None
        return (f"{args.rows:,} rows", times.setdefault((f"{who} whole", key), []))

    def ws(who: str, name: str) -> list[str]:
        return ["--workspace", str(home / f"ws-{who.replace(' ', '-')}-{name}")]

    try:
        for key, path in files.items():  # warm-up (bytecode, page cache) and reopen workspaces
            for who, clay in programs.items():
                subprocess.run(
                    [*clay, *ws(who, f"reopen-{key}"), "import", str(path)],
                    env=env,
                    cwd=REPO,
                    check=True,
                    capture_output=True,
                )
                time_to_text([*clay, *ws(who, f"reopen-{key}"), str(path)], needles[key], env)
            if vd is not None:
                time_to_text([vd, str(path)], needles[key], env)
        time_to_exit(floor, env)
        for run in range(args.repeat):
            record(("floor", "-"), time_to_exit(floor, env))
            for verb in ("--help", "tables"):
                for who, clay in programs.items():
                    record(
                        (f"verb {who}", verb),
                        time_to_exit([*clay, *ws(who, "reopen-sample"), verb], env),
                    )
            for key, path in files.items():
                for who, clay in programs.items():
                    record(
                        (who, key),
                        time_to_text(
                            [*clay, *ws(who, f"{key}-{run}"), str(path)],
                            needles[key],
                            env,
                            whole(who, key),
                        ),
                    )
                for who, clay in programs.items():
                    record(
                        (f"{who} reopen", key),
                        time_to_text(
                            [*clay, *ws(who, f"reopen-{key}"), str(path)],
                            needles[key],
                            env,
                            whole(f"{who} reopen", key),
                        ),
                    )
                if vd is not None:
                    record(("visidata", key), time_to_text([vd, str(path)], needles[key], env))
            print(f"run {run + 1}/{args.repeat} done", flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    labels = {"sample": "sample table (200 rows)", "big": f"{args.rows:,}-row CSV"}
    rows = []
    for key in files:
        base = median(times[("visidata", key)]) if vd else None
        target = TARGETS[key]
        for who in (
            "clay-tui",
            "clay-tui before",
            "clay-tui reopen",
            "clay-tui before reopen",
            "visidata",
        ):
            got = times.get((who, key))
            if not got:
                continue
            mid = median(got)
            rows.append(
                [
                    f"{labels[key]}: {who}",
                    fmt_ms(mid, 0),
                    fmt_ms(min(got), 0),
                    fmt_ms(max(got), 0),
                    fmt_ms(median(cpus[(who, key)]), 0),
                    fmt_ratio(mid, base) if who != "visidata" else "1.00x",
                    f"<= {target:.1f} s {'PASS' if mid <= target else 'MISS'}"
                    if who == "clay-tui"
                    else "",
                ]
            )
            wholes = times.get((f"{who} whole", key))
            if wholes:
                rows.append(
                    [
                        f"{labels[key]}: {who}, all rows in",
                        fmt_ms(median(wholes), 0),
                        fmt_ms(min(wholes), 0),
                        fmt_ms(max(wholes), 0),
                        "",
                        "",
                        "",
                    ]
                )
        got = times[("floor", "-")]
    rows.append(
        [
            "floor: python -c 'import textual.app, polars'",
            fmt_ms(median(got), 0),
            fmt_ms(min(got), 0),
            fmt_ms(max(got), 0),
            fmt_ms(median(cpus[("floor", "-")]), 0),
            "",
            "",
        ]
    )
    for verb in ("--help", "tables"):
        for who in programs:
            got = times[(f"verb {who}", verb)]
            rows.append(
                [
                    f"headless, to exit: {who} {verb}",
                    fmt_ms(median(got), 0),
                    fmt_ms(min(got), 0),
                    fmt_ms(max(got), 0),
                    fmt_ms(median(cpus[(f"verb {who}", verb)]), 0),
                    "",
                    "",
                ]
            )
    print()
    print(f"first row on screen, {args.repeat} runs each, pty {SIZE[0]}x{SIZE[1]}:")
    load = os.getloadavg()[0]
    print(
        f"(load average {load:.1f} on {os.cpu_count()} cores at the end; cpu: median CPU time "
        "of the program, all threads, until the first row was on screen; all rows in: until "
        "the status bar showed the big table's whole row count)"
    )
    print(format_table(["", "median", "min", "max", "cpu", "vs VisiData", "target"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
