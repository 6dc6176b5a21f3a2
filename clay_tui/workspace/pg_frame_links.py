"""The connections a team workspace moves table rows on (``workspace/pg_frames.py``): a bulk
transfer must not hold up ``ws.db``, which the ledger and the UI share."""

from __future__ import annotations

import threading
import weakref
from typing import Any

import psycopg

from clay_tui.errors import WorkspaceError
from clay_tui.workspace.pg import PgWorkspace, redact_url


class Links:
    """The workspace object's own connections for moving rows (a bulk transfer must not hold
    up ``ws.db``, which the ledger and the UI share): psycopg for writes, ADBC for reads, each
    opened on first use, used by one thread at a time, closed with the workspace object."""

    _by_ws: weakref.WeakKeyDictionary[PgWorkspace, Links] = weakref.WeakKeyDictionary()
    _guard = threading.Lock()

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        self._pg: psycopg.Connection[Any] | None = None
        self._adbc: Any = None
        self.inflight: set[str] = set()  # generations staged on this session, not settled

    @classmethod
    def of(cls, ws: PgWorkspace) -> Links:
        with cls._guard:
            found = cls._by_ws.get(ws)
            if found is None:
                found = cls._by_ws[ws] = cls(ws.url)
                weakref.finalize(ws, found.close)
            return found

    def pg(self) -> psycopg.Connection[Any]:
        if self._pg is None:
            try:
                self._pg = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise self._unreachable(exc) from None
        return self._pg

    def adbc(self) -> Any:
        if self._adbc is None:
            import adbc_driver_postgresql.dbapi as adbc  # only when a frame is read

            try:
                self._adbc = adbc.connect(self.url)
            except adbc.Error as exc:
                raise self._unreachable(exc) from None
        return self._adbc

    def _unreachable(self, exc: Exception) -> WorkspaceError:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return WorkspaceError(
            f"Cannot read or write tables in the team workspace {redact_url(self.url)}: "
            f"{reason.rstrip('.')}."
        )

    def close(self) -> None:
        for conn in (self._pg, self._adbc):
            if conn is not None:
                conn.close()
