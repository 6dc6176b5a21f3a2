"""One workspace folder: ``workspace.db`` (SQLite) and ``tables/<id>.parquet``.

Every subsystem keeps its own tables in the same database file, so that a paid
cell's result and its ledger capture can commit in one transaction. Subsystems
call :meth:`Workspace.ensure_schema` with their ``CREATE ... IF NOT EXISTS``
script the first time they are used.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clay_tui.clock import Clock, SystemClock
from clay_tui.config import Settings
from clay_tui.errors import WorkspaceError

DB_NAME = "workspace.db"


class Workspace:
    """An open workspace: its folder, its database connection, its settings and clock."""

    def __init__(self, root: Path, settings: Settings, clock: Clock, db: sqlite3.Connection):
        self.root = root
        self.settings = settings
        self.clock = clock
        self.db = db
        self._lock = threading.RLock()
        self._depth = 0
        self._schemas: set[str] = set()

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> Workspace:
        """Open (creating if needed) the workspace folder named by ``settings.workspace``."""
        root = Path(settings.workspace).expanduser()
        try:
            if root.exists() and not root.is_dir():
                raise WorkspaceError(f"Workspace {root} is a file, not a folder.")
            (root / "tables").mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                root / DB_NAME, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=10000")
        except PermissionError:
            raise WorkspaceError(f"No permission to use the workspace folder {root}.") from None
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(
                f"The workspace database in {root} cannot be opened ({exc}): it may be "
                f"damaged; restore workspace.db from a backup, or move the folder aside to "
                f"start a new workspace."
            ) from None
        db.row_factory = sqlite3.Row
        return cls(root, settings, clock or SystemClock(), db)

    def close(self) -> None:
        self.db.close()

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

    # ------------------------------------------------------------ database
    def ensure_schema(self, name: str, script: str) -> None:
        """Run a subsystem's idempotent schema script once per open workspace."""
        if name in self._schemas:
            return
        with self._lock:
            self.db.executescript(script)
            self._schemas.add(name)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one.

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
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self.db.execute("ROLLBACK")
                raise
            else:
                self._depth = 0
                self.db.execute("COMMIT")

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0
