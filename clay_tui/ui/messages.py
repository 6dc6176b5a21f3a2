"""Messages that workers and table listeners post to the screen.

Workers never touch widgets: they do the heavy work (load, sort, filter,
search, save, export) and post one of these; the handler on the screen
changes what is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from clay_tui.services.enrich import Progress, RunSummary
    from clay_tui.table.lead_table import LeadTable, TableChange
    from clay_tui.table.preview import PreviewTable


class TableLoaded(Message):
    def __init__(self, table: LeadTable) -> None:
        self.table = table
        super().__init__()


class TablePreview(Message):
    """The first rows of a big table that is still opening (read-only, shown at once)."""

    def __init__(self, table: PreviewTable) -> None:
        self.table = table
        super().__init__()


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__()


class ViewUpdated(Message):
    """The view was recomputed; ``kind`` says why (sort, filter, change...)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__()


class ViewFailed(Message):
    """A view operation raised a ClayError; the view state is unchanged."""

    def __init__(self, kind: str, error: str) -> None:
        self.kind = kind
        self.error = error
        super().__init__()


class TableChanged(Message):
    """Posted from a LeadTable listener (any thread) after every change."""

    def __init__(self, change: TableChange) -> None:
        self.change = change
        super().__init__()


class SearchResult(Message):
    def __init__(self, text: str, found: tuple[int, str] | None, wrapped: bool) -> None:
        self.text = text
        self.found = found
        self.wrapped = wrapped
        super().__init__()


class JobDone(Message):
    """A background job (save, export) finished: a one-sentence outcome."""

    def __init__(self, text: str, error: bool = False) -> None:
        self.text = text
        self.error = error
        super().__init__()


class RunProgress(Message):
    """An enrichment run's progress (posted from the run worker's on_progress)."""

    def __init__(self, column: str, progress: Progress) -> None:
        self.column = column
        self.progress = progress
        super().__init__()


class RunFinished(Message):
    """An enrichment run ended: its summary, or the one sentence it failed with."""

    def __init__(
        self, column: str, summary: RunSummary | None, error: str | None = None, auto: bool = False
    ) -> None:
        self.column = column
        self.summary = summary
        self.error = error
        self.auto = auto
        super().__init__()


class Saved(Message):
    """The save worker folded the journal into the snapshot, up to table ``version``."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__()


# ---------------------------------------------------------------- between the table screen's parts
# A part (ui/components/) posts one of these; it bubbles to the TableScreen, whose handler hands
# it to the part that owns that concern (the routing is in table_screen.py, in one place).


class NotesStale(Message):
    """The notes on enrichment cells may be out of date: read them again soon (all columns),
    or now for ``columns``."""

    def __init__(self, columns: frozenset[str] | None = None) -> None:
        self.columns = columns
        super().__init__()


class AutoStateChanged(Message):
    """An auto-update switch or the pending cells changed: show them again."""


class FocusColumn(Message):
    """Put the cursor on ``column``, now or once the view has caught up with the table."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__()


class ColumnsFilled(Message):
    """These columns were filled (a run ended): measure their widths again."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        super().__init__()


class RunStarting(Message):
    """A run of ``column`` is about to answer rows: mark them "running…"."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__()
