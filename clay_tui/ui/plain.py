"""Text from data, ready for a widget: never parsed as markup, never terminal-active.

Cells, headers, table and file names, filter and search texts and provider errors
go through these before any ``Static``, ``Label``, option, border title or
notification shows them: :func:`clay_tui.table.inert.inert` replaces control
characters by visible placeholders, and a :class:`Content` is shown as it is
(a ``str`` would be parsed as markup, and ``[/]`` would crash the app).
"""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape

from clay_tui.table.inert import inert, inert_lines


def plain(text: object) -> Content:
    """One line of data as literal text."""
    return Content(inert(str(text)))


def plain_lines(text: object) -> Content:
    """Data that may span lines (an error, a notification) as literal text."""
    return Content(inert_lines(str(text)))


def markup_safe(text: object) -> str:
    """Data to place inside a markup string (where a Content cannot go)."""
    return escape(inert(str(text)))


__all__ = ["inert", "inert_lines", "markup_safe", "plain", "plain_lines"]
