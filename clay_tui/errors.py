"""The project's own exception family.

Every problem a user can cause (a bad file, a bad expression, a bad config key,
an unreachable provider) is a ``ClayError`` whose message is one clear sentence.
The TUI shows it as a notification; the CLI prints it on stderr and exits 2.
"""

from __future__ import annotations


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
