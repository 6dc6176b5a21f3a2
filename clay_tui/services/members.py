"""Member services for both front ends: list members, set monthly limits, name owners."""

from __future__ import annotations

from clay_tui.credits import members as core
from clay_tui.credits.ledger import ledger_for
from clay_tui.workspace import Workspace


def list_members(ws: Workspace) -> list[core.Member]:
    ledger_for(ws)  # the ledger's schema (members come with it) is up to date
    return core.members(ws)


def set_limit(ws: Workspace, name: str, limit: int | None) -> None:
    ledger_for(ws)
    core.set_limit(ws, name, limit)


def make_owner(ws: Workspace, name: str) -> None:
    ledger_for(ws)
    core.make_owner(ws, name)
