"""Providers & keys screen: `k` opens it; connect, test and disconnect a key; one snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from clay_tui.config import parse_settings
from clay_tui.manifests import builtin_manifests
from clay_tui.services import tables as table_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.providers_screen import ProvidersScreen
from clay_tui.workspace import Workspace
from tests.conftest import sandbox_raw_config
from tests.functional.driving import SIZE, settle

SECRET = "sk-pasted-NEVER-SHOWN-77"


@pytest.fixture(autouse=True)
def _keys_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen sets os.environ directly: make monkeypatch restore these vars after."""
    for var in ("HUNTER_API_KEY", "PROSPEO_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.setenv(var, "x")
        monkeypatch.delenv(var)


@pytest.fixture
def live_ws(tmp_path: Path, clock, sandbox_url: str):
    """Sandbox mode, but each provider's live base_url is the sandbox as well."""
    raw = sandbox_raw_config()
    for name, table in raw["providers"].items():
        table["base_url"] = f"{sandbox_url}/{name}"
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    yield ws
    ws.close()


@pytest.fixture
def live_app(live_ws, small_csv):
    return ClayApp(live_ws, table_service.open_table(live_ws, small_csv))


def _screen(app: ClayApp) -> ProvidersScreen:
    assert isinstance(app.screen, ProvidersScreen)
    return app.screen


def _result(app: ClayApp) -> str:
    return str(_screen(app).query_one("#pk-result", Static).content)


async def test_k_opens_the_screen_with_every_provider(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        screen = _screen(app)
        table = screen.query_one("#pk-table", DataTable)
        assert table.row_count == len(builtin_manifests())  # every provider with a manifest
        first = [str(c) for c in table.get_row_at(0)]
        assert first[:4] == ["Hunter", "sandbox", "clay-tui credits", "HUNTER_API_KEY: not set"]
        assert "saved in the key file" in str(screen.query_one("#pk-notes", Static).content)
        assert screen.query_one("#pk-do-disconnect", Button).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ProvidersScreen)


async def test_connect_test_and_disconnect(live_app, live_ws) -> None:
    app = live_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        screen = _screen(app)
        await pilot.press("down")  # Prospeo
        await settle(pilot)
        assert screen.provider == "prospeo"
        await pilot.press("enter")  # the row: on to the key field
        await settle(pilot)
        key = screen.query_one("#pk-key", Input)
        assert app.focused is key and key.password
        await pilot.press(*"sandbox-key", "enter")
        await settle(pilot)
        assert key.value == ""
        assert "connected" in _result(app) and "key saved in the key file" in _result(app)
        row = [str(c) for c in screen.query_one("#pk-table", DataTable).get_row_at(1)]
        assert row[1:4] == ["live", "own key (free)", "PROSPEO_API_KEY: set (key file), connected"]
        from clay_tui import keystore

        assert keystore.load("PROSPEO_API_KEY") == ("sandbox-key", "file")
        assert live_ws.settings.providers["prospeo"].credits_for("email_finder") == 0

        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "Prospeo key accepted" in _result(app)

        await pilot.click("#pk-do-disconnect")
        await settle(pilot)
        assert "back to config.toml" in _result(app)
        assert live_ws.settings.providers["prospeo"].mode == "sandbox"
        assert "PROSPEO_API_KEY" not in os.environ
        assert keystore.load("PROSPEO_API_KEY") == (None, None)  # disconnect forgets it


async def test_a_rejected_key_is_one_sentence_and_never_shown(live_app, live_ws) -> None:
    app = live_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        screen = _screen(app)
        screen.query_one("#pk-own", Checkbox).value = False
        screen.query_one("#pk-key", Input).value = SECRET
        await pilot.click("#pk-do-connect")
        await settle(pilot)
        assert live_ws.settings.providers["hunter"].credits_for("email_finder") == 2
        await pilot.click("#pk-do-test")
        await settle(pilot)
        text = _result(app)
        assert "HUNTER_API_KEY" in text and SECRET not in text
        assert screen.query_one("#pk-result", Static).has_class("-error")
        for widget in screen.query(Static):
            assert SECRET not in str(widget.content)

        screen.query_one("#pk-key", Input).value = ""
        await pilot.click("#pk-do-connect")
        await settle(pilot)
        assert "Paste your Hunter API key first." in _result(app)


def test_providers_screen_snapshot(snap_compare, make_app) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)
