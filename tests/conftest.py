"""Shared fixtures: every test gets its own workspace folder and a clock it controls."""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clay_tui.clock import FixedClock
from clay_tui.config import DEFAULT_CONFIG, Settings, parse_settings
from clay_tui.workspace import Workspace

# Never the real OS keyring, in any test, fixture of any scope or subprocess: keyring picks its
# backend once per process, so this must hold before anything asks it (saved keys then go to
# the key file under the temporary XDG_CONFIG_HOME set below).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

REPO = Path(__file__).resolve().parent.parent
SAMPLE_LEADS = REPO / "sample_tables" / "leads.csv"
# The sandbox enforces Hunter's documented rate limits; most tests run with client limits off
# for speed, so their sandboxes do not throttle. Tests of the limits turn them on per server.
os.environ.setdefault("CLAY_TUI_SANDBOX_RATE_LIMITS", "off")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's config or workspace, or a real provider key."""
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for var in ("HUNTER_API_KEY", "PROSPEO_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    # Never the real OS keyring: saved keys go to the key file under XDG_CONFIG_HOME above.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 15, 12, 0, tzinfo=UTC))


def make_settings(workspace: Path, **overrides: dict) -> Settings:
    """Settings from the bundled defaults, with sections overridden (for tests)."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for section, values in overrides.items():
        raw.setdefault(section, {}).update(values)
    return parse_settings(raw, "<test>", workspace)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "ws")


@pytest.fixture
def workspace(settings: Settings, clock: FixedClock):
    ws = Workspace.open(settings, clock)
    yield ws
    ws.close()


# ------------------------------------------------------------ sandbox (owner P)


def sandbox_raw_config(**provider_overrides: object) -> dict:
    """The bundled config with every provider in sandbox mode, no client-side rate limits and
    short timeouts (fast tests); ``provider_overrides`` apply to every provider."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["sandbox"].update(latency_ms=0, jitter_ms=0)
    for table in raw["providers"].values():
        table.update(
            mode="sandbox",
            rate_per_second=0,
            rate_per_minute=0,
            concurrency=10,
            timeout_s=5,
            max_retries=2,
        )
        table.update(provider_overrides)
    return raw


@pytest.fixture(scope="session")
def sandbox_server():
    """One zero-latency sandbox for the whole session; ensure_sandbox() returns it for settings
    with a zero-latency [sandbox] section (as ``sandbox_settings`` has)."""
    import clay_tui.services  # noqa: F401  installs the sandbox into the providers, as the app does
    from clay_tui.config import SandboxSettings
    from clay_tui.sandbox.server import SandboxServer, set_shared

    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    server.start()
    set_shared(server)
    yield server
    set_shared(None, server.settings)
    server.stop()


@pytest.fixture(scope="session")
def sandbox_url(sandbox_server) -> str:
    return sandbox_server.url


@pytest.fixture(scope="session")
def https_sandbox(tmp_path_factory: pytest.TempPathFactory):
    """A sandbox served over https on 127.0.0.1 with a throwaway certificate from a throwaway
    CA (trustme), for client libraries that refuse plain http: yields (url, CA bundle path)."""
    import trustme

    from clay_tui.config import SandboxSettings
    from clay_tui.sandbox.server import SandboxServer

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_pem, key_pem, ca_pem = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    ca.cert_pem.write_to_path(str(ca_pem))
    server = SandboxServer(
        SandboxSettings(latency_ms=0, jitter_ms=0), tls=(str(cert_pem), str(key_pem))
    )
    server.start()
    yield server.url, str(ca_pem)
    server.stop()


@pytest.fixture
def sandbox_settings(tmp_path: Path, sandbox_url: str) -> Settings:
    """Settings whose providers all talk to the session sandbox (no rate limits, 5 s timeout)."""
    return parse_settings(sandbox_raw_config(), "<test>", tmp_path / "ws")


# ------------------------------------------------------------ PostgreSQL (team workspaces)


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (started on first use, stopped at the end).

    Never skips: if the binaries are missing or the server will not start, every test that
    needs it fails with the one sentence saying what is missing."""
    import shutil
    import tempfile

    from pgserver import PostgresUnavailable, start_server

    top = Path(tempfile.mkdtemp(prefix="clay-tui-pg-"))
    top.chmod(0o755)  # as root, the server runs as another user, which must reach its folder
    base = top / "server"
    try:
        server = start_server(base)
    except PostgresUnavailable as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        shutil.rmtree(top, ignore_errors=True)
        pytest.fail(problem, pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a fresh, empty workspace (a schema of its own) on the session's server."""
    return pg_server.create_schema()


# ------------------------------------------------------------ both back ends (issue 12)

BACKENDS = ("folder", "postgresql")


@pytest.fixture(params=BACKENDS)
def workspace_backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's workspace lives: a folder, or a fresh team workspace on the session's
    PostgreSQL server. A module runs on both by overriding its settings with ``on_backend``."""
    if request.param == "folder":
        return str(tmp_path / "ws")
    return request.getfixturevalue("pg_url")


def on_backend(settings: Settings, target: str) -> Settings:
    """``settings`` opening the workspace ``target`` (a folder path or a PostgreSQL URL)."""
    import dataclasses

    from clay_tui.workspace.backend import is_db_url

    if is_db_url(target):
        return dataclasses.replace(settings, workspace_url=target)
    return dataclasses.replace(settings, workspace=Path(target), workspace_url=None)


def connect_workspace(target: str):
    """A plain connection to the database of the workspace ``target`` (a folder or a URL)."""
    import sqlite3

    from clay_tui.workspace.backend import is_db_url

    if is_db_url(target):
        from clay_tui.workspace.pg import connect

        return connect(target)
    return sqlite3.connect(Path(target) / "workspace.db", timeout=10)


def second_connection(ws: Workspace):
    """Another connection to ``ws``'s database (it sees only what is committed)."""
    return connect_workspace(getattr(ws, "url", None) or str(ws.root))


@pytest.fixture
def cli_on_backend(monkeypatch: pytest.MonkeyPatch, workspace_backend: str) -> str:
    """The CLI's workspace (CLAY_TUI_WORKSPACE) on both back ends: a module runs its verbs on
    a folder and on a team workspace with ``pytestmark = pytest.mark.usefixtures(...)``."""
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", workspace_backend)
    return workspace_backend
