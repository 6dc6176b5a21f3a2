"""What a table tells its listeners after every change: one ``TableChange``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableChange:
    """Passed to listeners after every change (also undo).

    ``kind``: "set" | "add_rows" | "delete_rows" | "rename_column" | "delete_column" |
    "add_column" | "results" (enrichment results written; not journaled) | "reload" (read
    again from the snapshot: another process's save pruned what it missed).
    """

    kind: str
    row_ids: tuple[int, ...] = ()
    columns: tuple[str, ...] = ()
    # True for another process's journal entry, replayed here when this handle caught up
    # (auto-update runs only on this process's own changes)
    remote: bool = False
    # "results" from a run: each row's cell state as just stored ({row_id: state}), so a
    # screen shows it without reading the cells again; None when not known (results put
    # back from storage)
    states: Mapping[int, str] | None = field(default=None, compare=False)
