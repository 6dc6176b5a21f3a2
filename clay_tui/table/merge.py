"""New rows arriving: match a file's rows to a table's on a key column.

Pure planning (no journal, no enrichment): which file rows are new, which cells of
existing rows change. The rules, in one place:

- keys match ignoring case and surrounding spaces; a blank key or one over
  ``KEY_MAX`` characters never matches (such file rows are added as new rows);
- a key held by several table rows matches the oldest (lowest row id); how many
  keys are duplicated is reported;
- a key repeated in the file: the first of those file rows counts, the rest are skipped;
- a blank cell in the file never clears a value; the key column itself is never changed;
- file columns the table does not have are ignored, and so are ``protected`` columns
  (enrichment outputs: results, not data); all are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from clay_tui.errors import ClayError
from clay_tui.table.ops import ROW_ID
from clay_tui.table.values import coerce

KEY_MAX = 200


@dataclass
class MergePlan:
    key: str
    file_rows: int
    updates: list[tuple[int, str, Any, Any]] = field(default_factory=list)  # id, col, new, old
    new_rows: list[dict[str, Any]] = field(default_factory=list)  # typed values
    matched: int = 0  # file rows that found their table row
    unchanged: int = 0  # of those, rows with nothing new
    blank_keys: int = 0  # file rows with a blank key (added as new rows)
    long_keys: int = 0  # file rows whose key is over KEY_MAX characters (added as new rows)
    file_duplicates: int = 0  # file rows skipped: their key came earlier in the file
    table_duplicate_keys: int = 0  # keys that several table rows share (the oldest matched)
    ignored_columns: list[str] = field(default_factory=list)
    protected_columns: list[str] = field(default_factory=list)

    @property
    def updated_rows(self) -> int:
        return len({u[0] for u in self.updates})


def norm_key(value: Any) -> str | None:
    """The key as matched; None for a key that never matches (blank or too long)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > KEY_MAX:
        return None
    return text.casefold()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def plan_merge(
    frame: pl.DataFrame,
    labels: dict[str, str],
    incoming: pl.DataFrame,
    key: str,
    *,
    protected: set[str] | None = None,
    table_name: str = "the table",
) -> MergePlan:
    """What merging ``incoming`` into ``frame`` (sorted by row id) on ``key`` would do."""
    protected = protected or set()
    if key not in frame.columns or key == ROW_ID:
        raise ClayError(f"{table_name} has no column named {key!r} to match rows on.")
    if key not in incoming.columns:
        raise ClayError(
            f"The file has no column named {key!r} to match rows on "
            f"(its columns: {', '.join(incoming.columns[:12])})."
        )
    if key in protected:
        raise ClayError(
            f"{key} is filled by an enrichment column; match rows on an input column instead."
        )
    plan = MergePlan(key=key, file_rows=incoming.height)
    plan.ignored_columns = [c for c in incoming.columns if c not in frame.columns or c == ROW_ID]
    plan.protected_columns = [c for c in incoming.columns if c in protected and c != key]
    columns = [
        c for c in incoming.columns if c in frame.columns and c != ROW_ID and c not in protected
    ]

    owner: dict[str, int] = {}
    shared: set[str] = set()
    for rid, value in frame.select(ROW_ID, key).iter_rows():
        k = norm_key(value)
        if k is None:
            continue
        if k in owner:
            shared.add(k)
        else:
            owner[k] = rid  # rows come in id order: the first is the oldest
    plan.table_duplicate_keys = len(shared)

    seen: set[str] = set()
    matched: dict[int, dict[str, Any]] = {}
    for row in incoming.select(columns).iter_rows(named=True):
        raw = row.get(key)
        k = norm_key(raw)
        if k is None:
            if not _blank(raw):
                plan.long_keys += 1
            else:
                plan.blank_keys += 1
        elif k in seen:
            plan.file_duplicates += 1
            continue
        else:
            seen.add(k)
            if k in owner:
                matched[owner[k]] = row
                continue
        new = {c: coerce(v, labels[c], c) for c, v in row.items() if not _blank(v)}
        plan.new_rows.append(new)
    plan.matched = len(matched)
    if matched:
        current = frame.filter(pl.col(ROW_ID).is_in(list(matched)))
        for old in current.select(ROW_ID, *columns).iter_rows(named=True):
            rid = old.pop(ROW_ID)
            changed = False
            for col, value in matched[rid].items():
                if col == key or _blank(value):
                    continue
                new_value = coerce(value, labels[col], col)
                if new_value != old[col]:
                    plan.updates.append((rid, col, new_value, old[col]))
                    changed = True
            plan.unchanged += not changed
    return plan
