"""The project's own exception family.

Every problem a user can cause (a bad file, a bad expression, a bad config key,
an unreachable provider) is a ``ClayError`` whose message is one clear sentence.
The TUI shows it as a notification; the CLI prints it on stderr and exits 2.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class ClayError(Exception):
    """A user-facing problem, explained in one sentence."""

    exit_code = 2


class ConfigError(ClayError):
    """config.toml is missing a key, has an unknown key, or a value of the wrong type."""


class TableLoadError(ClayError):
    """A file could not be read as a table."""


class TableNotFound(ClayError):
    """No table of that name or id in the workspace."""


class ExpressionError(ClayError):
    """A filter, condition or formula expression does not parse or does not fit the table."""


class ColumnSpecError(ClayError):
    """An enrichment column spec or recipe is invalid."""


class WorkspaceError(ClayError):
    """The workspace folder or database cannot be used."""


class InsufficientCredits(ClayError):
    """A reservation was refused: not enough credits, or a cap would be crossed."""

    def __init__(self, message: str, *, cap: str | None = None) -> None:
        super().__init__(message)
        self.cap = cap  # None for the balance itself, else "run" | "column" | "table"


class ProviderError(ClayError):
    """A provider could not be reached or answered in a way we cannot use."""


def _size_mb(folder: Path | None) -> float:
    if folder is None or not folder.is_dir():
        return 0.0
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            pass
    return total / 1e6


def failure_sentence(exc: BaseException, workspace: Path | None) -> str | None:
    """One sentence for a failure of the machine rather than of the user (a damaged
    database, a full disk, a folder that cannot be written); None for a bug."""
    where = f" {workspace}" if workspace is not None else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        "disk is full" in low or "no space left" in low
    )
    if full:
        need = max(1.0, _size_mb(workspace))
        return (
            f"The disk is full, so the workspace{where} could not be written ({text}): "
            f"free at least {need:,.0f} MB and run it again; what was stored is kept and "
            f"nothing is charged twice."
        )
    if isinstance(exc, RecursionError):
        return "The input is nested too deep to read."
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"The file is not valid {exc.encoding} text ({exc.reason} at byte "
            f"{exc.start:,}): save it as UTF-8 and try again."
        )
    if isinstance(exc, sqlite3.DatabaseError):
        if any(w in low for w in ("malformed", "not a database", "corrupt", "disk i/o")):
            return (
                f"The workspace database{where} is damaged ({text}): restore "
                f"workspace.db from a backup, or run `clay-tui workspace repair`, which "
                f"rebuilds what it can and keeps the damaged file beside it."
            )
        if "locked" in low or "busy" in low:
            return (
                f"The workspace{where} is busy in another clay-tui process ({text}); "
                f"try again when it finishes."
            )
        if "readonly" in low or "read-only" in low:
            return f"The workspace{where} cannot be written ({text}): check its permissions."
        return f"The workspace database{where} failed: {text}."
    if isinstance(exc, OSError) and exc.errno in (
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.EISDIR,
        errno.ENOTDIR,
    ):
        name = f" {exc.filename}" if exc.filename else where
        return f"Cannot write{name}: {exc.strerror or text}."
    return None


def team_db_sentence(exc: BaseException) -> str | None:
    """A failure of a team workspace's PostgreSQL server or connection (a psycopg error: the
    server went away, a statement it refused) as one sentence; None for anything else. By the
    error's module, so a folder workspace's process never loads psycopg to ask."""
    if not type(exc).__module__.startswith("psycopg"):
        return None
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"The team workspace's database failed ({text.rstrip('.')}): what was committed is "
        "kept; try again."
    )
