"""Workspace services for both front ends: repair a damaged ``workspace.db``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clay_tui.clock import Clock, SystemClock
from clay_tui.config import Settings
from clay_tui.credits.verify import VerifyReport
from clay_tui.errors import WorkspaceError
from clay_tui.services import repair as core
from clay_tui.workspace import Workspace


@dataclass
class RepairOutcome:
    report: core.RepairReport
    available_after: int
    verify: VerifyReport


def damage(settings: Settings) -> str | None:
    """Why the workspace needs a repair (one sentence), or None if it does not."""
    return core.needs_repair(Path(settings.workspace).expanduser())


def repair_workspace(settings: Settings, clock: Clock | None = None) -> RepairOutcome:
    """Rebuild the workspace database (see :mod:`clay_tui.services.repair`), then open it,
    check the ledger as ``credits verify`` does (releasing holds of dead processes) and read
    the balance."""
    from clay_tui.services import credits as credits_svc

    clock = clock or SystemClock()
    root = Path(settings.workspace).expanduser()
    if not root.is_dir():
        raise WorkspaceError(f"There is no workspace at {root}; nothing to repair.")
    report = core.repair(root, now=clock.now(), plan=settings.plan)
    with Workspace.open(settings, clock) as ws:
        checked = credits_svc.verify_credits(ws)  # as `credits verify`: stale holds go back
        available = credits_svc.balance(ws).available
    return RepairOutcome(report, available, checked)
