"""Shared helpers for the credit tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

from clay_tui.clock import FixedClock
from clay_tui.config import DEFAULT_CONFIG, Settings, parse_settings
from clay_tui.credits import SpendContext
from clay_tui.workspace import Workspace


def make_settings(workspace: Path, **overrides: dict) -> Settings:
    """Settings from the bundled defaults with sections overridden (as tests/conftest.py)."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for section, values in overrides.items():
        raw.setdefault(section, {}).update(values)
    return parse_settings(raw, "<test>", workspace)


def ctx(
    row: int = 1, *, table: int = 1, column: int = 1, provider: str = "hunter", run: int | None = 1
) -> SpendContext:
    return SpendContext(table, column, row, provider, run, "email_finder")


def open_ws(root: Path, clock: FixedClock, **plan: object) -> Workspace:
    return Workspace.open(make_settings(root, plan=dict(plan)), clock)


def ledger_sum(ws: Workspace) -> int:
    return ws.db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger").fetchone()[0]


def drop_append_only(ws: Workspace) -> None:
    """Let a test tamper with the ledger (the append-only trigger, on either back end)."""
    if ws.dialect.name == "postgresql":
        ws.db.execute("DROP TRIGGER ledger_append_only_u ON ledger")
    else:
        ws.db.execute("DROP TRIGGER ledger_append_only_u")
