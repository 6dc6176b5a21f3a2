"""Column names a table can use: none blank, none repeated, none reserved."""

from __future__ import annotations

RESERVED = "_row_id"


def clean_names(raw: list[str | None]) -> tuple[list[str], list[str]]:
    """(names, notices): blanks become ``column_N``, repeats ``name_2``, ``_row_id`` is renamed.

    N is the 1-based position, so the name says where the column was in the file.
    """
    names: list[str] = []
    notices: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}  # per base, the first k not yet tried: one pass, not k^2
    stripped = [(r or "").strip() for r in raw]
    wanted = {s for s in stripped if s}
    for i, name in enumerate(stripped, start=1):
        if name == RESERVED:
            base = "row_id"
        else:
            base = name or f"column_{i}"
        generated = base != name
        candidate = base
        if candidate in taken or (generated and candidate in wanted):
            k = next_suffix.get(base, 2)
            candidate = f"{base}_{k}"
            while candidate in taken or (generated and candidate in wanted):
                k += 1
                candidate = f"{base}_{k}"
            next_suffix[base] = k + 1
        if name == RESERVED:
            notices.append(f"Column {RESERVED} was renamed to {candidate}: that name is reserved.")
        taken.add(candidate)
        names.append(candidate)
    renamed = sum(
        1
        for raw_name, new in zip(stripped, names, strict=True)
        if raw_name and raw_name != new and raw_name != RESERVED
    )
    blanks = sum(1 for raw_name in stripped if not raw_name)
    if blanks:
        notices.append(f"{blanks} column(s) had no header and were named by position (column_N).")
    if renamed:
        notices.append(f"{renamed} repeated column name(s) got a suffix (name_2, name_3...).")
    return names, notices
