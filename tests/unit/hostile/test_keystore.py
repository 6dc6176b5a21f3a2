"""Pasted keys outlive the session: the OS keyring, else a 0600 key file; `providers` says
only whether a key is set and where it comes from. No test touches the real keyring or the
real config dir (tests/conftest.py points both at temporary places)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from clay_tui import keystore
from clay_tui.config import Settings
from clay_tui.services import providers as svc
from clay_tui.workspace import Workspace
from tests.conftest import make_settings

KEY = "hk-0123456789-remember-me-abcdef"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def _ws(tmp_path: Path, clock, name: str = "ws") -> Workspace:
    settings: Settings = make_settings(tmp_path / name)
    return Workspace.open(settings, clock)


def _status(ws: Workspace, name: str) -> svc.ProviderStatus:
    return next(s for s in svc.provider_overview(ws) if s.name == name)


def test_tests_never_see_the_real_keyring_or_config_dir(tmp_path: Path) -> None:
    from keyring.backends import fail

    assert isinstance(keyring.get_keyring(), fail.Keyring)
    assert not keystore.keyring_available()
    assert str(keystore.key_file()).startswith(str(tmp_path))


def test_without_a_keyring_the_key_goes_to_a_0600_file(tmp_path: Path, clock) -> None:
    ws = _ws(tmp_path, clock)
    status = svc.connect_key(ws, "hunter", KEY, live=True)
    assert status.key_set and status.key_source == "file"
    path = keystore.key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"HUNTER_API_KEY": KEY}
    svc.disconnect(ws, "hunter")  # leaves this session; the env var goes back to unset
    ws.close()
    assert "HUNTER_API_KEY" not in os.environ
    assert not path.exists()  # disconnect forgets it


def test_a_saved_key_is_used_by_the_next_session(tmp_path: Path, clock) -> None:
    ws = _ws(tmp_path, clock)
    svc.connect_key(ws, "prospeo", KEY, live=True)
    ws.close()
    os.environ.pop("PROSPEO_API_KEY", None)  # a new process: nothing in the environment
    svc._CONNECTIONS.clear()
    from dataclasses import replace

    nxt = _ws(tmp_path, clock, "ws2")
    live = replace(nxt.settings.providers["prospeo"], mode="live")
    assert live.api_key == KEY
    status = _status(nxt, "prospeo")
    assert status.key_set and status.key_source == "file"
    assert KEY not in json.dumps(status.as_dict()) and KEY not in status.key_label
    nxt.close()
    for path in (tmp_path / "ws").rglob("*"):  # never in the workspace
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_with_a_keyring_the_key_goes_there(tmp_path: Path, clock, memory_keyring) -> None:
    ws = _ws(tmp_path, clock)
    status = svc.connect_key(ws, "openai", KEY, live=True)
    assert status.key_source == "keyring"
    assert memory_keyring.items == {("clay-tui", "OPENAI_API_KEY"): KEY}
    assert not keystore.key_file().exists()
    assert "OS keyring" in svc.key_store_label()
    svc.disconnect(ws, "openai")
    assert memory_keyring.items == {}
    ws.close()


def test_the_environment_wins_and_is_said(tmp_path: Path, clock, monkeypatch) -> None:
    keystore.save("HUNTER_API_KEY", "stored-key-123456")
    monkeypatch.setenv("HUNTER_API_KEY", "env-key-987654321")
    ws = _ws(tmp_path, clock)
    status = _status(ws, "hunter")
    assert status.key_source == "env" and status.key_label == "HUNTER_API_KEY: set (env var)"
    monkeypatch.delenv("HUNTER_API_KEY")
    assert _status(ws, "hunter").key_label == "HUNTER_API_KEY: set (key file)"
    ws.close()


def test_cli_providers_shows_where_never_what(tmp_path: Path) -> None:
    from tests.unit.hostile.cli_helpers import invoke

    keystore.save("PROSPEO_API_KEY", KEY)
    out = invoke("--workspace", str(tmp_path / "ws"), "providers")
    assert "PROSPEO_API_KEY: set (key file)" in out.stdout and KEY not in out.stdout
    js = invoke("--workspace", str(tmp_path / "ws"), "providers", "--json")
    item = next(p for p in json.loads(js.stdout) if p["name"] == "prospeo")
    assert item["key_set"] and item["key_source"] == "file" and KEY not in js.stdout
