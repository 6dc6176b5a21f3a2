"""Untrusted text made inert for a terminal.

Cells, headers, file names and provider answers come from strangers. Before any
of it is drawn, every character a terminal would act on instead of print is
replaced by a visible placeholder: C0 controls (ESC, BS, CR, BEL...) by their
Unicode Control Pictures (ESC shows as ``␛``), DEL by ``␡``, C1 controls
(0x80-0x9f, which some terminals read as ESC sequences) and bidi overrides and
isolates (which reorder what is shown) by ``�``. So ``\\x1b[31m`` reads as
``␛[31m``: nothing recolours, moves, retitles or links.

One line (grid cells, headers, the status bar, menu titles): line breaks show as
``⏎`` and a tab as a space. Multi-line text (notifications, Run Info, errors)
keeps ``\\n``. Text with nothing to replace (the usual case) is returned as it
is after one ``str.isprintable`` (C speed), so the grid pays almost nothing for it.
"""

from __future__ import annotations

import re

RETURN = "⏎"
UNKNOWN = "\ufffd"  # �

# Bidi embeddings/overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI).
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_LINE_SEPARATORS = (0x2028, 0x2029)  # some terminals break the line on these


def _table(one_line: bool) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟ (ESC -> ␛)
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = UNKNOWN
    for code in _BIDI:
        table[code] = UNKNOWN
    table[0x09] = " "
    if one_line:
        table[0x0A] = table[0x0D] = RETURN
        for code in _LINE_SEPARATORS:
            table[code] = RETURN
    else:
        table[0x0A] = "\n"
        for code in _LINE_SEPARATORS:
            table[code] = "\n"
    return table


_ONE_LINE = _table(one_line=True)
_MULTI_LINE = _table(one_line=False)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def is_inert(text: str) -> bool:
    """True if ``text`` holds nothing a terminal would act on (and no line break)."""
    return _UNSAFE.search(text) is None


def inert(text: str) -> str:
    """``text`` on one line, every control character shown as a visible placeholder."""
    if text.isprintable() or _UNSAFE.search(text) is None:  # isprintable: the fast common case
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_ONE_LINE)


def inert_chars(text: str) -> str:
    """Like :func:`inert`, one placeholder per character (``\r\n`` stays two), so positions in
    the result are positions in ``text`` (an input field's cursor and selection)."""
    if text.isprintable() or _UNSAFE.search(text) is None:  # isprintable: the fast common case
        return text
    return text.translate(_ONE_LINE)


def inert_lines(text: str) -> str:
    """Like :func:`inert`, but line breaks stay line breaks (``\\r\\n`` and lone CR -> ``\\n``)."""
    if text.isprintable() or _UNSAFE.search(text) is None:  # isprintable: the fast common case
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_MULTI_LINE)
