"""`clay-tui auto-update TABLE on|off [--column C] [--json]` (issue 8, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

# the verbs that read and write the workspace run on a folder and on a PostgreSQL team
# workspace (ON_BOTH); argument checks do not touch it and run once
ON_BOTH = pytest.mark.usefixtures("cli_on_backend")

_register()
RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"


@pytest.fixture
def run(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    assert invoke("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    return invoke


@ON_BOTH
def test_state_on_off_and_what_it_will_do(run) -> None:
    shown = run("auto-update", "leads", "--json")
    assert shown.exit_code == 0, shown.output
    state = json.loads(shown.stdout)
    assert state["on"] is False  # a new table starts with auto-update off
    assert state["per_row_max_credits"] == 6  # what a row would cost once it is on
    assert state["daily_cap"] == 200 and state["spent_today"] == 0
    [col] = state["columns"]
    assert col == {
        "column": "Work Email",
        "on": True,
        "inputs": ["first_name", "last_name", "company_domain", "company"],
        "condition": ["email"],
        "per_row_max": 6,
    }
    on = run("auto-update", "leads", "on")
    assert on.exit_code == 0, on.output
    assert on.stdout.startswith("Auto-update of leads is on: ")
    assert (
        "  Work Email: inputs first_name, last_name, company_domain, company; condition "
        "email; up to 6 credits a row."
    ) in on.stdout
    assert (
        "At most 6 credits per new or edited row (1 column on); daily cap 200 credits" in on.stdout
    )
    assert json.loads(run("auto-update", "leads", "--json").stdout)["on"] is True
    col_off = run("auto-update", "leads", "off", "--column", "Work Email", "--json")
    state = json.loads(col_off.stdout)
    assert state["on"] is True and state["columns"][0]["on"] is False
    assert state["per_row_max_credits"] == 0
    off = run("auto-update", "leads", "off")
    assert off.exit_code == 0 and "is off: nothing runs by itself" in off.stdout


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("on", "--column", "nope"), "no enrichment column 'nope'"),
        (("--column", "Work Email"), "Give on or off with --column"),
    ],
)
def test_errors_change_nothing(run, args, text) -> None:
    result = run("auto-update", "leads", *args)
    assert result.exit_code == 2 and text in result.stderr
    assert json.loads(run("auto-update", "leads", "--json").stdout)["on"] is False
