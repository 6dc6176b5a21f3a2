"""The credit tests run against both workspace back ends: a folder (SQLite) and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest

from clay_tui.workspace import Workspace

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(settings, backend: str, request: pytest.FixtureRequest):
    """The folder settings, or the same settings pointed at a fresh PostgreSQL database."""
    if backend == "sqlite":
        return settings
    url = request.getfixturevalue("pg_url")
    return dataclasses.replace(settings, workspace_url=url)


@pytest.fixture
def workspace(settings, clock):
    ws = Workspace.open(settings, clock)
    yield ws
    ws.close()
