"""A provider that echoes the request's key: the key appears in no file and no output.

Plants a unique key, runs a column against a loopback provider whose every error repeats
the key (exactly, URL-encoded, in a Python repr), then runs every verb and scans every file
in the workspace, the export and every output for any form of the key.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.providers.base import Redactor
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config
from tests.unit.hostile.echo_server import EchoServer

_register()
RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"


def _forms(key: str) -> list[str]:
    return [key, quote(key, safe=""), key.upper(), key[-14:]]


def _assert_clean(blob: bytes | str, key: str, where: str) -> None:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    for form in _forms(key):
        assert form.lower() not in text.lower(), f"the key ({form!r}) leaked into {where}"


def test_redactor_forms() -> None:
    key = "sk-Pl@nted+Key/0123456789abcdef"
    r = Redactor([key], known=False)
    for text in (
        key,
        quote(key, safe=""),
        key.upper(),
        repr({"X-API-KEY": key}),
        f"Bearer {key}",
        f"...{key[5:25]}...",
        json.dumps({"k": key}),
    ):
        out = r.text(text)
        assert key[8:20].lower() not in out.lower() and "[redacted]" in out, (text, out)
    assert r.text("nothing secret here") == "nothing secret here"
    assert Redactor(["abc"], known=False).text("abc abc") == "abc abc"  # too short to be a key


@pytest.fixture
def echo():
    with EchoServer() as server:
        yield server


def test_echoed_key_is_nowhere(tmp_path: Path, echo: EchoServer, monkeypatch) -> None:
    key = f"ck-planted+key/{uuid.uuid4().hex}"
    monkeypatch.setenv("HUNTER_API_KEY", key)
    monkeypatch.setenv("PROSPEO_API_KEY", key)
    raw = sandbox_raw_config(max_retries=0)
    for name in ("hunter", "prospeo"):
        raw["providers"][name].update(mode="live", base_url=echo.url)
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    ws = tmp_path / "ws"
    outputs: list[str] = []

    def run(*args: str) -> str:
        res = CliRunner().invoke(cli, ["--config", str(config), "--workspace", str(ws), *args])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        outputs.append(res.output)
        return res.output

    run("import", str(SAMPLE_LEADS), "--name", "leads")
    run("add-column", "leads", "--recipe", str(RECIPE))
    run("run", "leads", "Work Email", "--limit", "13", "--yes")
    assert echo.seen and any(key in str(s["headers"].values()) for s in echo.seen)
    run("run-info", "leads", "Work Email")
    run("run-info", "leads", "Work Email", "--json")
    run("providers")
    run("providers", "--json")
    run("usage", "--json")
    run("usage", "--csv")
    run("usage", "--by", "column")
    run("credits")
    run("credits", "--json")
    run("credits", "verify")
    run("tables")
    out = tmp_path / "out.csv"
    run("export", "leads", str(out))
    run("export", "leads", str(tmp_path / "out.parquet"))
    run("recipes", "export", "leads", str(tmp_path / "recipe.toml"))
    joined = "\n".join(outputs)
    assert "wrong_params" in joined or "refused" in joined  # the error itself is still told
    _assert_clean(joined, key, "the command output")
    files = [
        p
        for p in [*ws.rglob("*"), *tmp_path.glob("out.*"), tmp_path / "recipe.toml"]
        if p.is_file()
    ]
    assert any(p.name == "workspace.db" for p in files)
    for path in files:
        _assert_clean(path.read_bytes(), key, str(path))


async def test_echoed_key_is_on_no_screen(
    tmp_path: Path, echo: EchoServer, monkeypatch, clock
) -> None:
    """The same planted key through the TUI: Run Info, the keys screen and the table."""
    from clay_tui.config import parse_settings
    from clay_tui.services import enrich, tables
    from clay_tui.ui.app import ClayApp
    from clay_tui.ui.screens.providers_screen import ProvidersScreen
    from clay_tui.ui.screens.run_info_screen import RunInfoScreen
    from clay_tui.workspace import Workspace

    key = f"ck-screen+key/{uuid.uuid4().hex}"
    monkeypatch.setenv("HUNTER_API_KEY", key)
    monkeypatch.setenv("PROSPEO_API_KEY", key)
    raw = sandbox_raw_config(max_retries=0)
    for name in ("hunter", "prospeo"):
        raw["providers"][name].update(mode="live", base_url=echo.url)
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    for spec in enrich.load_recipe(RECIPE):
        enrich.add_column(ws, table, spec)
    await enrich.run_column(ws, table, "Work Email", enrich.RowSelection("first", limit=8))
    assert any(key in str(s["headers"].values()) for s in echo.seen)
    app = ClayApp(ws, table)
    screens: list[str] = []

    def texts() -> str:
        """Every Static's content rendered unwrapped (a screenshot cuts and wraps long text)."""
        from rich.console import Console
        from textual.widgets import Static

        console = Console(width=5000, record=True, file=io.StringIO())
        for widget in app.screen.query(Static):
            content = widget.content
            console.print(content if not isinstance(content, str) else content, markup=False)
        return console.export_text() + app.export_screenshot()

    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.pause(0.3)
        screens.append(texts())
        app.push_screen(RunInfoScreen(ws, table, "Work Email"))
        await pilot.pause(0.3)
        assert isinstance(app.screen, RunInfoScreen)
        screens.append(texts())
        app.pop_screen()
        app.push_screen(ProvidersScreen(ws))
        await pilot.pause(0.3)
        screens.append(texts())
    ws.close()
    assert "Invalid key {'X-API-KEY'" in screens[1]  # Run Info shows the provider's error
    for shot in screens:
        _assert_clean(shot, key, "a screen")
