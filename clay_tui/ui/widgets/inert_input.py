"""An Input that shows its value inert.

Textual's Input draws its value as a rich ``Text``, which lets ESC through: a
search for, or a cell edit of, ``\\x1b[2J`` would clear the terminal. This one
draws every control character as a placeholder (``␛``), one for one, so the
cursor and selection still line up; the value itself is not changed.

Public API only: the drawing goes through the Input's ``highlighter`` (a Rich
``Highlighter``), which Textual applies to the value's ``Text`` before painting.
"""

from __future__ import annotations

from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import Input

from clay_tui.table.inert import inert_chars


class _Inert(Highlighter):
    """Draws the input's value with each control character as its placeholder. It reads
    the value from the input itself: Rich drops some control characters (CR, BS, BEL...)
    from the ``Text`` it is handed, which would shift the cursor."""

    def __init__(self, field: Input, inner: Highlighter | None) -> None:
        self.field = field
        self.inner = inner

    def highlight(self, text: Text) -> None:
        text.plain = inert_chars(self.field.value)
        if self.inner is not None:
            self.inner.highlight(text)


class InertInput(Input):
    def __init__(self, *args: Any, highlighter: Highlighter | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.highlighter = _Inert(self, highlighter)
