"""A team workspace on PostgreSQL: the same ``Workspace`` surface over a psycopg 3 connection.

The connection is in autocommit mode; ``transaction()`` opens an explicit one and takes the
workspace's advisory lock first, so write transactions are serialised exactly as SQLite's
``BEGIN IMMEDIATE`` serialises them (balance checks, column claims and renewals cannot be
raced by another process on another machine). Reads outside a transaction see what is
committed, as on SQLite. ``Workspace.transaction()`` itself runs here (it begins with
``POSTGRESQL.begin_write``), so ``on_transaction_end`` callbacks (the ledger's per-transaction
totals, the credit feed) fire on COMMIT and ROLLBACK exactly as on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq

from clay_tui.clock import Clock, SystemClock
from clay_tui.config import Settings
from clay_tui.errors import WorkspaceError
from clay_tui.workspace.backend import POSTGRESQL, pg_schema
from clay_tui.workspace.workspace import Workspace


class PgRow(tuple):
    """A result row read by position (``row[0]``) or by column name (``row["id"]``)."""

    _names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"No item with that key: {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    cls = type("Row", (PgRow,), {"_names": names, "__slots__": ()})

    def make(values: Sequence[Any]) -> PgRow:
        return cls(values)

    return make


def qmark_to_pyformat(sql: str) -> str:
    """``?`` placeholders (outside quotes) become ``%s``; a literal ``%`` becomes ``%%``."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


class PgConnection:
    """The slice of the sqlite3 connection API the core uses, over psycopg 3."""

    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._sql: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        query = self._sql.get(sql)
        if query is None:
            query = self._sql[sql] = qmark_to_pyformat(sql)
        return self.conn.execute(query, tuple(params))  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(qmark_to_pyformat(sql), [tuple(r) for r in rows])

    def executescript(self, script: str) -> None:
        self.conn.execute(script.encode())  # several statements: a simple query, no parameters

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.conn.close()


def connect(url: str) -> PgConnection:
    try:
        conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory, connect_timeout=10)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkspaceError(
            f"Cannot open the team workspace {redact_url(url)}: {reason.rstrip('.')}."
        ) from None
    return PgConnection(conn)


def redact_url(url: str) -> str:
    """The URL without a password (it must never reach a message or a log)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    user = f"{info['user']}@" if info.get("user") else ""
    host = info.get("host", "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"


class PgWorkspace(Workspace):
    """A workspace whose database is PostgreSQL (``settings.workspace_url``)."""

    dialect = POSTGRESQL

    def __init__(self, url: str, settings: Settings, clock: Clock, db: PgConnection) -> None:
        super().__init__(Path(settings.workspace), settings, clock, db)  # type: ignore[arg-type]
        self.url = url

    @classmethod
    def open_url(cls, url: str, settings: Settings, clock: Clock | None = None) -> PgWorkspace:
        return cls(url, settings, clock or SystemClock(), connect(url))

    @property
    def tables_dir(self) -> Path:
        raise WorkspaceError(
            f"Tables are not stored in the team workspace {redact_url(self.url)} yet: "
            "open a folder workspace for tables."
        )

    @property
    def db_path(self) -> Path:
        return self.tables_dir

    def ensure_schema(self, name: str, script: str) -> None:
        """A subsystem's ``CREATE ... IF NOT EXISTS`` script, in PostgreSQL's types
        (``backend.pg_schema``), run under the write lock: two processes opening a new
        workspace at once never race on the catalog."""
        if name in self._schemas:
            return
        with self.transaction() as db:  # nested in an open one: it joins it
            outer = self._depth > 1
            db.executescript(pg_schema(script))
        if not outer:  # a rollback of the outer transaction would take the tables away
            self._schemas.add(name)
