"""Salvage every row SQLite can still read from a damaged database into a scratch file.

SQLite's own ``.recover`` (the ``sqlite3`` program) is used when it is installed; otherwise
every table is read in rowid ranges, halving a range that fails down to single rows, so one bad
page costs only the rows on it. The caller (services/repair.py) builds the new workspace from
the scratch file.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

CHUNK = 256
PROBE = 200_000  # rowids tried when a table's first and last ids cannot be read
MAX_FAILURES = 5_000  # unreadable ranges per table before giving the table up


def salvage(copy: Path, scratch: Path, cli: Callable[[], str | None]) -> str:
    """Fill ``scratch`` from ``copy``; returns how (the method named in the report)."""
    if copy.stat().st_size == 0:
        return "nothing to read: the file was empty"
    program = cli()
    if program:
        try:
            dump = subprocess.run(
                [program, str(copy), ".recover"], capture_output=True, timeout=600, check=True
            ).stdout
            subprocess.run(
                [program, str(scratch)], input=dump, capture_output=True, timeout=600, check=True
            )
            if _has_rows(scratch):
                return "sqlite3 .recover"
        except (OSError, subprocess.SubprocessError):
            pass
        scratch.unlink(missing_ok=True)
    _salvage_by_ranges(copy, scratch)
    return "row ranges"


def _has_rows(scratch: Path) -> bool:
    db = sqlite3.connect(scratch)
    try:
        return bool(db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def _salvage_by_ranges(copy: Path, scratch: Path) -> None:
    out = sqlite3.connect(scratch, isolation_level=None)
    try:
        src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        out.close()
        return
    try:
        try:
            tables = src.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        except sqlite3.DatabaseError:
            tables = []
        out.execute("BEGIN")
        for name, sql in tables:
            try:
                out.execute(sql)
                cols = [r[1] for r in src.execute(f'PRAGMA table_info("{name}")')]
            except sqlite3.DatabaseError:
                continue
            insert = f'INSERT OR IGNORE INTO "{name}" VALUES ({",".join("?" * len(cols))})'
            for rows in _read_ranges(src, name, len(cols)):
                out.executemany(insert, rows)
        out.execute("COMMIT")
    finally:
        src.close()
        out.close()


def _read_ranges(src: sqlite3.Connection, name: str, width: int):  # noqa: ANN202
    """Rows of ``name`` in rowid chunks; a chunk that fails is halved down to single rows."""
    select = f'SELECT * FROM "{name}" WHERE rowid BETWEEN ? AND ?'
    try:
        lo, hi = src.execute(f'SELECT MIN(rowid), MAX(rowid) FROM "{name}"').fetchone()
    except sqlite3.DatabaseError:
        lo, hi = 1, PROBE  # the b-tree's edges are unreadable: probe the usual ids
    if lo is None:
        return
    stack = [(start, min(start + CHUNK - 1, hi)) for start in range(lo, hi + 1, CHUNK)]
    stack.reverse()
    failures = 0
    while stack:
        a, b = stack.pop()
        try:
            rows = src.execute(select, (a, b)).fetchall()
        except sqlite3.DatabaseError:
            failures += 1
            if failures > MAX_FAILURES:  # the table's own root is gone: nothing to find
                return
            if a < b:
                mid = (a + b) // 2
                stack.extend([(mid + 1, b), (a, mid)])
            continue
        if rows:
            yield [tuple(r[:width]) for r in rows]
