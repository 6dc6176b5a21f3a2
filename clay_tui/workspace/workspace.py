"""One workspace folder: ``workspace.db`` (SQLite) and ``tables/<id>.parquet``.

Every subsystem keeps its own tables in the same database file, so that a paid
cell's result and its ledger capture can commit in one transaction. Subsystems
call :meth:`Workspace.ensure_schema` with their ``CREATE ... IF NOT EXISTS``
script the first time they are used.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from clay_tui.clock import Clock, SystemClock
from clay_tui.config import Settings
from clay_tui.errors import WorkspaceError
from clay_tui.workspace.backend import SQLITE

DB_NAME = "workspace.db"
SQLITE_MAGIC = b"SQLite format 3\x00"
RESTORE = (
    "restore it from a backup, or run `clay-tui workspace repair`, which rebuilds what it "
    "can and keeps the damaged file beside it"
)

T = TypeVar("T")


def _refuse_damaged(root: Path) -> None:
    """Never take a damaged or missing ``workspace.db`` for a new workspace.

    SQLite would open a 0-byte file as an empty database, and a folder whose database
    went missing would get a new one: both silently start over with a fresh credit grant,
    and the tables already in the folder lose their columns, results and history.
    """
    path = root / DB_NAME
    if not path.exists():
        tables = root / "tables"
        if tables.is_dir() and any(tables.glob("*.parquet")):
            raise WorkspaceError(f"The workspace {root} has tables but no {DB_NAME}: {RESTORE}.")
        return
    if not path.is_file():
        raise WorkspaceError(f"{path} is not a file: {RESTORE}.")
    size = path.stat().st_size
    if size == 0:
        raise WorkspaceError(f"The workspace database {path} is empty (0 bytes): {RESTORE}.")
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise WorkspaceError(
            f"{path} is not a clay-tui workspace database (it is damaged): {RESTORE}."
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size_valid = header[24:28] == header[92:96]  # the header's page count is current
    wal = path.with_name(DB_NAME + "-wal")
    wal_empty = not wal.exists() or wal.stat().st_size == 0  # else pages may live in it
    if size_valid and wal_empty and pages and size < pages * page_size:
        raise WorkspaceError(
            f"The workspace database {path} is truncated ({size} of {pages * page_size} "
            f"bytes): {RESTORE}."
        )


class Workspace:
    """An open workspace: its folder, its database connection, its settings and clock."""

    dialect = SQLITE

    def __init__(self, root: Path, settings: Settings, clock: Clock, db: sqlite3.Connection):
        self.root = root
        self.settings = settings
        self.clock = clock
        self.db = db
        self._lock = threading.RLock()
        self._depth = 0
        self._schemas: set[str] = set()
        self._shared: dict[str, object] = {}
        self._on_end: dict[Callable[[bool], None], None] = {}  # ordered, each callback once
        self._on_close: list[Callable[[], None]] = []

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> Workspace:
        """Open (creating if needed) the workspace folder named by ``settings.workspace``, or
        the team workspace at ``settings.workspace_url`` (PostgreSQL)."""
        if settings.workspace_url:
            # psycopg loads only for a team workspace
            from clay_tui.workspace.pg import PgWorkspace

            return PgWorkspace.open_url(settings.workspace_url, settings, clock)
        root = Path(settings.workspace).expanduser()
        try:
            if root.exists() and not root.is_dir():
                raise WorkspaceError(f"Workspace {root} is a file, not a folder.")
            _refuse_damaged(root)
            (root / "tables").mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                root / DB_NAME, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the schema reads
        except PermissionError:
            raise WorkspaceError(f"No permission to use the workspace folder {root}.") from None
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(
                f"The workspace database {root / DB_NAME} cannot be opened ({exc}): {RESTORE}."
            ) from None
        db.row_factory = sqlite3.Row
        return cls(root, settings, clock or SystemClock(), db)

    def close(self) -> None:
        for callback in self._on_close:  # e.g. a table's first snapshot, still being written
            callback()
        self.db.close()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the workspace closes, before its database does."""
        self._on_close.append(callback)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ paths
    @property
    def tables_dir(self) -> Path:
        return self.root / "tables"

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def lock(self) -> threading.RLock:
        """The workspace's one lock (database transactions and the tables share it, so a
        thread holding one never waits on another holding the other)."""
        return self._lock

    # ------------------------------------------------------------ shared objects
    def shared(self, key: str, make: Callable[[], T]) -> T:
        """The one object under ``key`` for this open workspace (its ledger, its table cache),
        made by ``make`` on first use. The layers above keep their per-workspace objects here,
        so the workspace owns them without importing them."""
        obj = self._shared.get(key)
        if obj is None:
            with self._lock:  # made once, even by two threads at once
                obj = self._shared.get(key)
                if obj is None:
                    obj = self._shared[key] = make()
        return obj  # type: ignore[return-value]

    # ------------------------------------------------------------ database
    def ensure_schema(self, name: str, script: str) -> None:
        """Run a subsystem's idempotent schema script once per open workspace."""
        if name in self._schemas:
            return
        with self._lock:
            if self._depth:
                # executescript() would COMMIT the open transaction first: run the
                # statements one by one inside it instead (and again next time: a
                # rollback takes the tables away with it)
                for statement in _statements(script):
                    self.db.execute(statement)
                return
            self.db.executescript(script)
            self._schemas.add(name)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``, or on PostgreSQL ``BEGIN`` and the
        workspace's advisory lock: ``dialect.begin_write``); nested calls join the outer one.

        Everything written inside commits together or not at all: this is how a
        ledger capture and the cell result it pays for become one durable fact.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            for statement in self.dialect.begin_write:
                self.db.execute(statement)
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self.db.execute("ROLLBACK")
                self._transaction_ended(False)
                raise
            else:
                self._depth = 0
                try:
                    self.db.execute("COMMIT")
                except BaseException:
                    self._transaction_ended(False)
                    raise
                self._transaction_ended(True)

    def on_transaction_end(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(committed)`` once when the open transaction ends (registering the
        same callback twice calls it once); with none open, at once with True."""
        with self._lock:
            if self._depth:
                self._on_end[callback] = None
                return
        callback(True)

    def _transaction_ended(self, committed: bool) -> None:
        callbacks, self._on_end = list(self._on_end), {}
        for callback in callbacks:
            callback(committed)

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0


def _statements(script: str) -> list[str]:
    """The complete SQL statements of ``script``, in order."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf)
            buf = ""
    if buf.strip():
        out.append(buf)
    return out
