"""A table's snapshot file, ``tables/<id>.parquet``: written atomically (temp file, fsync,
``os.replace``), it records which journal entry it includes (``SEQ_KEY`` in its metadata)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import polars as pl

from clay_tui.table.ops import ROW_ID
from clay_tui.workspace import Workspace

SEQ_KEY = "clay_tui_journal_seq"


# First snapshots being written in this process, by path: another handle on the
# same table (a second Workspace object, a CLI verb run in-process) waits for it.
_PENDING: dict[Path, threading.Thread] = {}
_PENDING_LOCK = threading.Lock()


def wait_for_pending(path: Path) -> None:
    """Block until a background write of ``path`` started by this process is done."""
    with _PENDING_LOCK:
        thread = _PENDING.get(path)
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def snapshot_path(ws: Workspace, table_id: int) -> Path:
    return ws.tables_dir / f"{table_id}.parquet"


def write_snapshot(frame: pl.DataFrame, path: Path, seq: int) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    _install(_write_temp(frame, path, seq), path)


def _write_temp(frame: pl.DataFrame, path: Path, seq: int) -> Path:
    """The new file next to ``path``, written and fsynced, not yet in place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        frame.write_parquet(tmp, metadata={SEQ_KEY: str(seq)}, compression="lz4")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _install(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _install_first(tmp: Path, path: Path) -> None:
    """Put a table's first snapshot (seq 0) in place, unless a save got there first."""
    try:
        newer = int(pl.read_parquet_metadata(path).get(SEQ_KEY, "0")) > 0
    except Exception:  # noqa: BLE001 - no file (or no usable one): ours goes in
        newer = False
    if newer:
        tmp.unlink(missing_ok=True)
    else:
        _install(tmp, path)


def with_row_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Data columns as a table frame: ``_row_id`` 1..N first, in file order."""
    return frame.with_row_index(ROW_ID, offset=1).with_columns(pl.col(ROW_ID).cast(pl.Int64))


def read_snapshot(path: Path) -> tuple[pl.DataFrame, int]:
    """The frame and the journal seq it includes, both from the same file: another process
    replacing it between the two reads (a frame without a column, the seq of a file with
    it) would hide that column for good, so read again until the file stayed put."""
    for attempt in range(5):
        before = _identity(path)
        try:
            frame = pl.read_parquet(path, glob=False)  # a folder "w[1]" is a name, not a pattern
            meta = pl.read_parquet_metadata(path)
        except Exception:  # a read across a replacement can fail too (a column came in)
            if attempt < 4 and _identity(path) != before:
                continue
            raise
        if _identity(path) == before:
            break
    return frame, int(meta.get(SEQ_KEY, "0"))


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns
