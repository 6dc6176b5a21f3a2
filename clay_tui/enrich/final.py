"""How one cell ended (shared by the actions, the formula batch and the runner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clay_tui.states import CellState


@dataclass(frozen=True)
class Final:
    """How one cell ended: a stored state, its output values, who answered, why not."""

    status: CellState
    values: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    error: str | None = None
