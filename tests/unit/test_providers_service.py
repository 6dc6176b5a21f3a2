"""Providers & keys service: the overview never shows a key; a connected own key makes the
next run live and free; disconnect puts the config back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.config import parse_settings
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.services import providers as svc
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, on_backend, sandbox_raw_config

SECRET = "sk-test-DO-NOT-SHOW-4242"
ENVS = ("HUNTER_API_KEY", "PROSPEO_API_KEY", "OPENAI_API_KEY")

BUILTIN = [
    "hunter",
    "prospeo",
    "openai",
    "hubspot",
    "findymail",
    "leadmagic",
    "millionverifier",
    "zerobounce",
]


@pytest.fixture(autouse=True)
def _keys_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """connect_key writes os.environ directly: make monkeypatch restore these vars after."""
    for var in ENVS:
        monkeypatch.setenv(var, "x")
        monkeypatch.delenv(var)


@pytest.fixture
def live_ws(tmp_path: Path, clock, sandbox_url: str, workspace_backend: str):
    """Providers in sandbox mode, but each one's live base_url is the sandbox too, so a
    connected key runs "live" without the internet. On a folder and on a team workspace."""
    raw = sandbox_raw_config()
    for name, table in raw["providers"].items():
        table["base_url"] = f"{sandbox_url}/{name}"
    settings = on_backend(parse_settings(raw, "<test>", tmp_path / "ws"), workspace_backend)
    ws = Workspace.open(settings, clock)
    yield ws
    ws.close()


@pytest.fixture
def leads(live_ws):
    table = tables.import_table(live_ws, SAMPLE_LEADS, name="leads")
    enrich.add_column(
        live_ws,
        table,
        ColumnSpec(
            name="Email",
            action="find_work_email",
            providers=["hunter"],
            inputs={
                "first_name": "first_name",
                "last_name": "last_name",
                "domain": "company_domain",
                "company": "company",
            },
        ),
    )
    return table


def _status(ws, name: str) -> svc.ProviderStatus:
    return next(s for s in svc.provider_overview(ws) if s.name == name)


def test_overview_lists_config_and_never_a_key(workspace, monkeypatch) -> None:
    monkeypatch.setenv("PROSPEO_API_KEY", SECRET)
    statuses = {s.name: s for s in svc.provider_overview(workspace)}
    # the three with adapters of their own, then every other manifest provider by name
    assert list(statuses) == BUILTIN
    hunter, prospeo = statuses["hunter"], statuses["prospeo"]
    assert hunter.mode == "sandbox" and hunter.api_key_env == "HUNTER_API_KEY"
    assert not hunter.key_set and prospeo.key_set
    assert hunter.billing == "clay-tui credits" and hunter.credits["email_finder"] == 2
    assert hunter.rate_per_second == 15 and hunter.concurrency == 10
    svc.connect_key(workspace, "openai", SECRET + "-2")
    dumped = json.dumps([s.as_dict() for s in svc.provider_overview(workspace)])
    assert SECRET not in dumped
    assert _status(workspace, "openai").connected and _status(workspace, "openai").mode == "live"


async def test_connect_makes_the_next_run_live_and_free(live_ws, leads) -> None:
    start = credits_svc.balance(live_ws).available
    status = svc.connect_key(live_ws, "hunter", "sandbox-key", own_key=True, live=True)
    assert status.mode == "live" and status.own_key and status.key_set and status.connected
    assert status.billing == "own key (free)"
    assert os.environ["HUNTER_API_KEY"] == "sandbox-key"
    est = enrich.estimate_run(live_ws, leads, "Email", enrich.RowSelection("first", limit=10))
    assert est.max_credits == 0
    summary = await enrich.run_column(
        live_ws, leads, "Email", enrich.RowSelection("first", limit=10)
    )
    assert summary.counts.get("found", 0) > 0, summary.counts
    assert summary.credits == 0 and not summary.sandbox
    assert credits_svc.balance(live_ws).available == start
    charged = live_ws.db.execute(
        "SELECT COALESCE(SUM(credits), 0), MAX(sandbox) FROM cells"
    ).fetchone()
    assert tuple(charged) == (0, 0)
    assert _status(live_ws, "hunter").last_found_at is not None

    svc.disconnect(live_ws, "hunter")
    back = _status(live_ws, "hunter")
    assert back.mode == "sandbox" and not back.own_key and not back.connected
    assert "HUNTER_API_KEY" not in os.environ
    est = enrich.estimate_run(
        live_ws, leads, "Email", enrich.RowSelection("first", limit=10, force=True)
    )
    assert est.max_credits > 0


async def test_a_wrong_key_is_a_one_sentence_error_naming_the_env_var(live_ws, leads) -> None:
    svc.connect_key(live_ws, "hunter", SECRET)
    message = await svc.check_key_async(live_ws, "hunter")
    assert "HUNTER_API_KEY" in message and SECRET not in message
    summary = await enrich.run_column(
        live_ws, leads, "Email", enrich.RowSelection("first", limit=3)
    )
    assert summary.counts.get("error") == 3 and summary.credits == 0
    health = _status(live_ws, "hunter")
    assert health.last_error and "HUNTER_API_KEY" in health.last_error
    assert SECRET not in health.last_error


async def test_check_key_accepts_a_good_key_and_names_sandbox_mode(live_ws) -> None:
    assert "sandbox mode" in await svc.check_key_async(live_ws, "prospeo")
    svc.connect_key(live_ws, "prospeo", "sandbox-key")
    assert "key accepted" in await svc.check_key_async(live_ws, "prospeo")
    svc.connect_key(live_ws, "openai", "sandbox-key", own_key=False)
    assert "key accepted" in await svc.check_key_async(live_ws, "openai")
    assert _status(live_ws, "openai").billing == "clay-tui credits"


def test_disconnect_restores_a_key_that_was_already_set(workspace, monkeypatch) -> None:
    monkeypatch.setenv("HUNTER_API_KEY", "from-the-shell")
    svc.connect_key(workspace, "hunter", "pasted", own_key=False, live=False)
    assert os.environ["HUNTER_API_KEY"] == "pasted"
    assert _status(workspace, "hunter").mode == "sandbox"  # live=False keeps the mode
    svc.connect_key(workspace, "hunter", "pasted-again")  # reconnecting keeps the original
    svc.disconnect(workspace, "hunter")
    assert os.environ["HUNTER_API_KEY"] == "from-the-shell"
    assert workspace.settings.providers["hunter"].mode == "sandbox"
    assert not workspace.settings.providers["hunter"].own_key


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: svc.connect_key(ws, "hunter", "   "),
        lambda ws: svc.connect_key(ws, "hunter", "two words"),
        lambda ws: svc.connect_key(ws, "clearbit", "abc"),
        lambda ws: svc.disconnect(ws, "hunter"),
    ],
)
def test_user_mistakes_are_one_sentence(workspace, call) -> None:
    with pytest.raises(ClayError) as err:
        call(workspace)
    assert str(err.value).endswith(".") and "\n" not in str(err.value)
    assert "HUNTER_API_KEY" not in os.environ


def test_cli_overview(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    _register()
    runner = CliRunner()
    ws = ["--workspace", str(tmp_path / "cli-ws")]
    text = runner.invoke(cli, [*ws, "providers"])
    assert text.exit_code == 0, text.output
    assert "HUNTER_API_KEY: not set" in text.output
    assert "OPENAI_API_KEY: set (env var)" in text.output
    assert "bundled sandbox" in text.output and SECRET not in text.output
    out = runner.invoke(cli, [*ws, "providers", "--json"])
    data = json.loads(out.output)
    assert [d["name"] for d in data] == BUILTIN
    assert data[2]["key_set"] is True and SECRET not in out.output
    bad = runner.invoke(cli, [*ws, "providers", "check", "clearbit"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(
    ("provider", "free_path", "paid_path"),
    [
        ("hunter", "GET /hunter/v2/account", "GET /hunter/v2/email-finder"),
        ("prospeo", "POST /prospeo/account-information", "POST /prospeo/enrich-person"),
        ("openai", "GET /openai/v1/models", "POST /openai/v1/chat/completions"),
    ],
)
async def test_check_key_uses_the_free_account_call(
    live_ws, sandbox_server, provider, free_path, paid_path
) -> None:
    """A key check asks the provider's free account endpoint, never a paid lookup."""
    state = sandbox_server.router.state
    svc.connect_key(live_ws, provider, "sandbox-key")
    free, paid = state.count(f"path:{free_path}"), state.count(f"path:{paid_path}")
    assert "key accepted" in await svc.check_key_async(live_ws, provider)
    assert state.count(f"path:{free_path}") == free + 1
    assert state.count(f"path:{paid_path}") == paid
    assert "charge" in svc.CHECK_CALLS[provider] and "not" in svc.CHECK_CALLS[provider]
