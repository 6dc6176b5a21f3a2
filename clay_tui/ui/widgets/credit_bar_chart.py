"""A horizontal bar chart of credits per group (column, provider, day, run).

Draws with block characters sized to the widget's width, so it needs no plotting
library and renders the same in every terminal (and in snapshots).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from clay_tui.table.inert import inert

EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: int, top: int, width: int) -> str:
    """``value`` as a bar of at most ``width`` cells, in eighths of a cell."""
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


class CreditBarChart(Widget):
    DEFAULT_CSS = """
    CreditBarChart { height: auto; min-height: 1; padding: 0 1; }
    CreditBarChart > .credit-bar--bar { color: $accent; }
    CreditBarChart > .credit-bar--refund { color: $warning; }
    CreditBarChart > .credit-bar--dim { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"credit-bar--bar", "credit-bar--refund", "credit-bar--dim"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, int, int]] = []  # label, net, refunded

    def show(self, rows: list[tuple[str, int, int]]) -> None:
        self.rows = [(inert(label), net, refunded) for label, net, refunded in rows]
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return max(1, len(self.rows))

    def render(self) -> Text:
        if not self.rows:
            return Text(
                "No credits spent in this range.",
                style=self.get_component_rich_style("credit-bar--dim"),
            )
        width = self.content_size.width or 40
        label_w = min(max(len(r[0]) for r in self.rows), max(8, width // 2))
        num_w = max(len(f"{r[1]:,}") for r in self.rows)
        bar_w = max(1, width - label_w - num_w - 3)
        top = max((r[1] for r in self.rows), default=0)
        bar_style = self.get_component_rich_style("credit-bar--bar")
        dim = self.get_component_rich_style("credit-bar--dim")
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (label, net, refunded) in enumerate(self.rows):
            if i:
                out.append("\n")
            shown = label if len(label) <= label_w else label[: label_w - 1] + "…"
            out.append(f"{shown:<{label_w}} ")
            drawn = bar(net, top, bar_w)
            out.append(drawn, bar_style)
            out.append(" " * (bar_w - len(drawn) + 1))
            out.append(f"{net:>{num_w},}", dim if net == 0 else None)
            del refunded
        return out
