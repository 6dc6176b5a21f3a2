"""How one cell ended (shared by the actions, the formula batch and the runner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.states import CellState


@dataclass(frozen=True)
class Final:
    """How one cell ended: a stored state, its output values, who answered, why not."""

    status: CellState
    values: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    error: str | None = None


def from_result(r: ProviderResult) -> Final:
    """How a cell ends on one provider answer that is not data (an error, invalid, none)."""
    if r.outcome is Outcome.ERROR and r.error_id == "missing_input":
        return Final(CellState.MISSING_INPUT, provider=r.provider, error=r.message)
    if r.outcome is Outcome.ERROR:
        return Final(CellState.ERROR, provider=r.provider, error=r.message or r.error_id)
    if r.outcome is Outcome.INVALID:
        return Final(CellState.INVALID, provider=r.provider, error=r.message or r.error_id)
    return Final(CellState.NO_DATA, provider=r.provider, error=r.message or None)
