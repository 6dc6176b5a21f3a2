"""CLI: `credits [--json]`, `credits buy N`, `credits verify`, `usage` (and bad input)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from credit_helpers import ctx, drop_append_only

from clay_tui.cli.main import _register, cli
from clay_tui.credits import Ledger

_register()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_credits_shows_the_balance() -> None:
    result = run("credits")
    assert result.exit_code == 0, result.output
    assert "Available     2,000" in result.output
    assert "Plan bucket   2,000" in result.output
    assert "Renews on" in result.output


def test_buy_then_json_agrees() -> None:
    result = run("credits", "buy", "250")
    assert result.exit_code == 0
    assert "Bought 250 credits" in result.output
    data = json.loads(run("credits", "--json").output)
    assert data["balance"] == {"plan": 2000, "purchased": 250, "reserved": 0, "available": 2250}
    assert data["plan"]["rollover_cap"] == 4000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("credits", "buy", "-5"), "Credits to buy must be a positive whole number, not '-5'."),
        (("credits", "buy", "abc"), "Credits to buy must be a positive whole number, not 'abc'."),
        (("credits", "buy", "0"), "Credits to buy must be a positive whole number, not '0'."),
        (("credits", "buy"), "Say how many credits to buy, e.g. `clay-tui credits buy 500`."),
        (
            ("usage", "--by", "user"),
            "Cannot group usage by 'user'; use one of table, column, provider, day, run, member.",
        ),
        (
            ("usage", "--since", "yesterday"),
            "--since must be a date like 2026-11-25, not 'yesterday'.",
        ),
        (("usage", "--json", "--csv"), "Choose one of --json and --csv, not both."),
        (("usage", "--table", "nope"), "No table named 'nope' in this workspace."),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"clay-tui: {message}"]
    assert "Traceback" not in result.output


def _spend(settings, clock) -> None:
    from clay_tui.workspace import Workspace

    with Workspace.open(settings, clock) as ws:
        ledger = Ledger(ws)
        ledger.capture(ledger.reserve(2, "a", context=ctx(1, provider="hunter")), 2)
        ledger.capture(ledger.reserve(10, "b", context=ctx(2, provider="prospeo", run=2)), 10)
        ledger.refund("a:capture", "invalid")


def test_usage_outputs(settings, clock, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", settings.workspace_url or str(settings.workspace))
    _spend(settings, clock)
    text = run("usage", "--by", "provider")
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[1].split() == ["prospeo", "10", "0", "10", "1"]
    assert lines[-1].split() == ["total", "12", "2", "10"]
    data = json.loads(run("usage", "--by", "run", "--json").output)
    assert [(r["key"], r["net"]) for r in data["rows"]] == [("2", 10), ("1", 0)]
    csv_out = run("usage", "--by", "day", "--csv", "--since", "2026-11-15", "--until", "2026-11-15")
    assert csv_out.output.splitlines()[1] == "2026-11-15,2026-11-15,12,2,10,2,1"
    out = tmp_path / "u.csv"
    assert run("usage", "--out", str(out)).exit_code == 0
    assert out.read_text().startswith("table,label,spent")
    assert json.loads(run("usage", "--table", "1", "--json").output)["net"] == 10


def test_verify_releases_a_crashed_hold_and_exits_0(settings, clock, monkeypatch) -> None:
    from clay_tui.workspace import Workspace

    monkeypatch.setenv("CLAY_TUI_WORKSPACE", settings.workspace_url or str(settings.workspace))
    with Workspace.open(settings, clock) as ws:
        ledger = Ledger(ws)
        ledger.reserve(5, "orphan", context=ctx(run=None))
        drop_append_only(ws)
        ws.db.execute("UPDATE ledger SET pid = 999999999 WHERE key = 'orphan'")
    result = run("credits", "verify")
    assert result.exit_code == 0, result.output
    assert "Released 1 reservation(s) left by a crashed process (5 credits" in result.output
    assert "All credit invariants hold." in result.output
    with Workspace.open(settings, clock) as ws:
        ws.db.execute(
            "INSERT INTO ledger (at, kind, amount, bucket, key) VALUES"
            " ('x', 'grant', -1, 'plan', 'broken')"
        )
    result = run("credits", "verify")
    assert result.exit_code == 1
    assert "FAIL  entries are well formed" in result.output
