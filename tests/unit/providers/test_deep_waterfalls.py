"""The built-in waterfalls at full depth run against the sandbox: 4 email finders, 2 mobile
finders, 3 verifiers, each provider served from its manifest, every credit accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.enrich.actions import ACTIONS
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()
RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "deep_waterfalls.toml"


@pytest.fixture
def run(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return invoke


def test_the_actions_can_hold_the_builtin_providers_of_their_kind() -> None:
    assert len(ACTIONS["find_work_email"].allowed_providers) >= 3
    assert len(ACTIONS["find_mobile"].allowed_providers) >= 2
    assert len(ACTIONS["verify_email"].allowed_providers) >= 2


def test_deep_waterfalls_run_against_the_sandbox(run) -> None:
    assert run("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    per: dict[str, dict[str, int]] = {}
    for column in ("Email 4 Finders", "Mobile 2 Finders", "Email 3 Verifiers"):
        done = run("run", "leads", column, "--limit", "60", "--yes", "--json")
        assert done.exit_code == 0, done.output
        summary = json.loads(done.stdout)
        assert "error" not in summary["counts"], (column, summary)
        info = json.loads(run("run-info", "leads", column, "--json").stdout)
        assert info["credits_spent"] == sum(info["per_provider"].values()) == summary["credits"]
        per[column] = info["per_provider"]
    # later providers find what earlier ones missed
    assert {"findymail", "leadmagic"} & set(per["Email 4 Finders"]), per
    assert "leadmagic" in per["Mobile 2 Finders"], per
    verified = run("credits", "verify")
    assert verified.exit_code == 0, verified.output
