"""An Input that shows its value inert.

Textual's Input draws its value as a rich ``Text``, which lets ESC through: a
search for, or a cell edit of, ``\\x1b[2J`` would clear the terminal. This one
draws every control character as a placeholder (``␛``), one for one, so the
cursor and selection still line up; the value itself is not changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from clay_tui.table.inert import inert_chars


class InertInput(Input):
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(inert_chars(self.value), no_wrap=True, overflow="ignore", end="")
        if self.highlighter is not None:
            text = self.highlighter(text)
        return text
