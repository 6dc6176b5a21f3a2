"""Engine fixtures: a workspace whose providers talk to the session sandbox, and the sample
leads imported into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from clay_tui.config import parse_settings
from clay_tui.services import tables
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, on_backend, sandbox_raw_config


def make_ws(
    tmp_path: Path, clock, *, plan_credits: int = 2000, target: str | None = None, **overrides
):
    """A sandbox workspace in ``tmp_path / "ws"``, or at ``target`` (a folder or a PostgreSQL
    URL: the ``workspace_backend`` fixture)."""
    raw = sandbox_raw_config(**overrides)
    raw["plan"]["monthly_credits"] = plan_credits
    settings = parse_settings(raw, "<test>", tmp_path / "ws")
    if target is not None:
        settings = on_backend(settings, target)
    return Workspace.open(settings, clock)


@pytest.fixture
def sbx_ws(tmp_path: Path, clock, sandbox_url):
    ws = make_ws(tmp_path, clock)
    yield ws
    ws.close()


@pytest.fixture
def leads(sbx_ws):
    return tables.import_table(sbx_ws, SAMPLE_LEADS, name="leads")
