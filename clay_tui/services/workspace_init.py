"""``clay-tui workspace init``: create or upgrade a workspace's schema, on either back end."""

from __future__ import annotations

from dataclasses import dataclass

from clay_tui.clock import Clock
from clay_tui.config import Settings
from clay_tui.credits.schema import MIGRATIONS as CREDIT_MIGRATIONS
from clay_tui.workspace import Workspace
from clay_tui.workspace.migrations import Migration, applied, migrate

# every subsystem's versioned migrations, in the order they are applied
ALL_MIGRATIONS: tuple[tuple[Migration, ...], ...] = (CREDIT_MIGRATIONS,)


@dataclass
class InitReport:
    backend: str
    applied: list[Migration]
    versions: dict[str, int]  # subsystem -> the version it is at now


def init_workspace(settings: Settings, clock: Clock | None = None) -> InitReport:
    """Apply the migrations the workspace lacks (none on a second run)."""
    with Workspace.open(settings, clock) as ws:
        done: list[Migration] = []
        for migrations in ALL_MIGRATIONS:
            done.extend(migrate(ws, migrations))
        versions = {m[0].subsystem: max(applied(ws, m[0].subsystem)) for m in ALL_MIGRATIONS}
        return InitReport(ws.dialect.name, done, versions)
