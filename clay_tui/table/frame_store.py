"""Where a table's snapshot and side frames live: the one seam between a folder workspace
(``tables/<id>.parquet`` and ``tables/<id>.col<seq>.parquet``, as snapshots.py writes them)
and a team workspace (rows in PostgreSQL, through ``workspace/pg_frames.py``).

Names are the file names without ``.parquet``: ``"7"`` is table 7's snapshot, ``"7.col12"``
the values a column deletion set aside (journal payloads keep the file name, ``side_name``
turns it into a name). Both stores write atomically: a reader sees the old frame or the new
one, never half of one. A write is staged (the slow part, outside any transaction) and then
installed (inside the save's transaction, beside the ``snapshot_seq`` it records).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from clay_tui.errors import ClayError
from clay_tui.table import registry
from clay_tui.table.snapshots import (
    SEQ_KEY,
    _install,
    _install_first,
    _write_temp,
    read_snapshot,
)
from clay_tui.workspace import Workspace
from clay_tui.workspace.backend import POSTGRESQL

if TYPE_CHECKING:
    from clay_tui.workspace.pg_frames import StagedFrame

SUFFIX = ".parquet"


def side_name(side: str) -> str:
    """The store name of a side frame named in a journal payload (its file name)."""
    return side.removesuffix(SUFFIX)


@dataclass
class Staged:
    """A frame written but not yet in place (``tmp``: its temp file in a folder)."""

    name: str
    frame: pl.DataFrame
    seq: int
    tmp: Path | None = None
    pg: StagedFrame | None = None  # its generation in a team workspace


class FolderFrames:
    """``tables/<name>.parquet`` files (the single-user workspace; behaviour of old)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def path(self, name: str) -> Path:
        return self.ws.tables_dir / f"{name}{SUFFIX}"

    def key(self, name: str) -> Hashable:
        return self.path(name)

    def label(self, name: str) -> str:
        return str(self.path(name))

    def read(self, name: str) -> tuple[pl.DataFrame, int]:
        """The frame and the journal seq it includes; FileNotFoundError when there is none."""
        return read_snapshot(self.path(name))

    def read_side(self, side: str) -> pl.DataFrame:
        return pl.read_parquet(self.ws.tables_dir / side, glob=False)

    def stage(self, name: str, frame: pl.DataFrame, seq: int) -> Staged:
        return Staged(name, frame, seq, _write_temp(frame, self.path(name), seq))

    def install(self, staged: Staged) -> None:
        assert staged.tmp is not None
        try:
            _install(staged.tmp, self.path(staged.name))
        except BaseException:
            staged.tmp.unlink(missing_ok=True)
            raise

    def install_first(self, staged: Staged, table_id: int) -> None:
        """Put a table's first snapshot in place, unless a save got there first."""
        assert staged.tmp is not None
        _install_first(staged.tmp, self.path(staged.name))

    def discard(self, staged: Staged) -> None:
        if staged.tmp is not None:
            staged.tmp.unlink(missing_ok=True)

    def write(self, name: str, frame: pl.DataFrame, seq: int) -> None:
        self.install(self.stage(name, frame, seq))

    def drop(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def snapshot_seq(self, name: str) -> int:
        """The seq recorded in the stored frame itself (raises when there is none)."""
        return int(pl.read_parquet_metadata(self.path(name)).get(SEQ_KEY, "0"))

    def shape(self, name: str) -> tuple[int, int]:
        """Rows and data columns of the stored frame."""
        scan = pl.scan_parquet(self.path(name), glob=False)  # "w[1]" is a name, not a pattern
        return int(scan.select(pl.len()).collect().item()), len(scan.collect_schema()) - 1

    def prune_sides(self, table_id: int, referenced: set[str], released: set[str]) -> None:
        """Drop the side frames no journal entry names any more (every orphan in the folder)."""
        for side in self.ws.tables_dir.glob(f"{table_id}.col*{SUFFIX}"):
            if side.name not in referenced:
                side.unlink(missing_ok=True)


class PgFrames:
    """Frames as rows of the team workspace (``pg_frames``), named ``tables/<name>``."""

    def __init__(self, ws: Workspace) -> None:
        # psycopg (and pg_frames, over it) loads only for a team workspace, as in
        # Workspace.open: a folder workspace's start-up never pays for it
        from clay_tui.workspace import pg_frames

        self.ws = ws
        self.pg = pg_frames

    def _row(self, name: str) -> str:
        return f"tables/{name}"

    def key(self, name: str) -> Hashable:
        return (getattr(self.ws, "url", ""), name)

    def label(self, name: str) -> str:
        return f"{self._row(name)} in the team workspace"

    def _read(self, name: str) -> tuple[pl.DataFrame, dict[str, Any]]:
        got = self.pg.read_frame(self.ws, self._row(name))
        if got is None:
            raise FileNotFoundError(self.label(name))
        return got

    def read(self, name: str) -> tuple[pl.DataFrame, int]:
        frame, meta = self._read(name)
        return frame, int(meta.get(SEQ_KEY, "0"))

    def read_side(self, side: str) -> pl.DataFrame:
        return self._read(side_name(side))[0]

    def stage(self, name: str, frame: pl.DataFrame, seq: int) -> Staged:
        """The new generation's rows written, outside every transaction: the slow part,
        which the workspace's write lock (the ledger's) never waits for."""
        staged = Staged(name, frame, seq)
        try:
            staged.pg = self.pg.stage_frame(self.ws, self._row(name), frame, {SEQ_KEY: str(seq)})
        except ClayError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. the workspace closed under the writer
            # as a folder's failed write (an OSError): the next save writes it again
            raise OSError(f"The rows of {self.label(name)} were not stored: {exc}") from exc
        return staged

    def install(self, staged: Staged) -> None:
        """Point the frame at the staged rows: one row, in the caller's transaction."""
        assert staged.pg is not None
        self.pg.install_frame(self.ws, staged.pg)

    def install_first(self, staged: Staged, table_id: int) -> None:
        """In one transaction with the registry: a save that got there first (its seq is
        recorded beside it) is never replaced by the import's frame."""
        try:
            with self.ws.transaction():
                if registry.snapshot_seq(self.ws, table_id) > 0:
                    return
                self.install(staged)
        except Exception as exc:  # noqa: BLE001 - e.g. the workspace closed under the writer
            # as a folder's failed write: the next save writes it, or the next open rebuilds it
            raise OSError(f"The first snapshot of table {table_id} was not stored: {exc}") from exc
        finally:
            self.discard(staged)

    def discard(self, staged: Staged) -> None:
        """End a staged write once its transaction is over (installed or not): drop the
        generation no longer needed, outside the write lock (a DROP waits for readers)."""
        if staged.pg is not None:
            self.pg.settle_frame(self.ws, staged.pg)

    def write(self, name: str, frame: pl.DataFrame, seq: int) -> None:
        self.pg.write_frame(self.ws, self._row(name), frame, {SEQ_KEY: str(seq)})

    def drop(self, name: str) -> None:
        self.pg.drop_frame(self.ws, self._row(name))

    def _info(self, name: str) -> tuple[int, int, dict[str, str]]:
        found = self.pg.frame_info(self.ws, self._row(name))
        if found is None:
            raise FileNotFoundError(self.label(name))
        return found

    def snapshot_seq(self, name: str) -> int:
        """The seq recorded with the stored frame (its row only: no rows are read)."""
        return int(self._info(name)[2].get(SEQ_KEY, "0"))

    def shape(self, name: str) -> tuple[int, int]:
        """Rows and data columns of the stored frame, from its row (no rows are read)."""
        rows, columns, _meta = self._info(name)
        return rows, columns - 1

    def prune_sides(self, table_id: int, referenced: set[str], released: set[str]) -> None:
        """Drop the side frames of the pruned journal entries that no kept entry names."""
        for side in released - referenced:
            self.drop(side_name(side))


FrameStore = FolderFrames | PgFrames


def frame_store(ws: Workspace) -> FrameStore:
    """The workspace's store of table frames (one per open workspace)."""
    if ws.dialect is POSTGRESQL:
        return ws.shared("table.frames", lambda: PgFrames(ws))
    return ws.shared("table.frames", lambda: FolderFrames(ws))
