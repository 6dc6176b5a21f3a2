"""A provider that is not built in, added as a manifest, joins a waterfall end to end.

``providers add`` validates the manifest and copies it into the config dir; the next start
knows the provider; a column puts it in a waterfall before a built-in one; the run goes to
the sandbox, which serves it from the same manifest; Run Info, the estimate, usage reports
and ``credits verify`` treat it like any provider.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.manifests import user_manifest_dir
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()

# A made-up provider: its "no match" is a JSON 404 (as some real ones answer), which must
# not be taken for a moved endpoint.
MANIFEST = """
name = "acmefind"
display_name = "Acme Find"
base_url = "https://api.acmefind.test"
api_key_env = "ACMEFIND_API_KEY"
[auth]
style = "header"
name = "X-Acme-Token"
[sandbox]
hit_rate = 40
[endpoints.email_finder]
method = "POST"
path = "/v2/people/find"
requires = [["first_name"], ["domain"]]
body = { person = { first = "{{first_name}}", last = "{{last_name}}" }, company = "{{domain}}" }
outputs = { email = "match.email", score = "match.confidence" }
credits = 3
rate_per_second = 50
[[endpoints.email_finder.rules]]
status = 200
path = "match.email"
exists = true
outcome = "found"
[[endpoints.email_finder.rules]]
status = 404
outcome = "no_data"
message = "Acme Find has nobody by that name."
"""

RECIPE = """
[[column]]
name = "Work Email"
action = "find_work_email"
providers = ["acmefind", "findymail"]
validation = "none"
accept_catch_all = true
[column.inputs]
first_name = "first_name"
last_name = "last_name"
domain = "company_domain"
[column.outputs]
email = "Work Email"
provider = "Email Provider"
"""


@pytest.fixture
def run(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    return invoke


def test_a_user_manifest_joins_a_waterfall_and_shows_in_run_info(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(MANIFEST.replace('method = "POST"', 'method = "PATCH"'), encoding="utf-8")
    refused = run("providers", "add", str(bad))
    assert refused.exit_code == 2
    assert "endpoints.email_finder.method must be one of GET, POST" in refused.stderr
    assert not (user_manifest_dir() / "acmefind.toml").exists()

    good = tmp_path / "acme.toml"
    good.write_text(MANIFEST, encoding="utf-8")
    added = run("providers", "add", str(good))
    assert added.exit_code == 0, added.output
    assert (user_manifest_dir() / "acmefind.toml").read_text() == MANIFEST
    listed = {p["name"]: p for p in json.loads(run("providers", "--json").stdout)}
    assert listed["acmefind"]["credits"] == {"email_finder": 3}
    assert listed["acmefind"]["display_name"] == "Acme Find"

    assert run("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE, encoding="utf-8")
    assert run("add-column", "leads", "--recipe", str(recipe)).exit_code == 0
    est = json.loads(run("run", "leads", "Work Email", "--all", "--dry-run", "--json").stdout)
    rows = est["rows_to_run"]
    assert rows > 100 and est["max_credits"] == rows * (3 + 2)

    done = run("run", "leads", "Work Email", "--all", "--yes", "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["sandbox"] and "error" not in summary["counts"], summary

    info = json.loads(run("run-info", "leads", "Work Email", "--json").stdout)
    assert info["providers"] == ["acmefind", "findymail"]
    per = info["per_provider"]
    assert per["acmefind"] > 0 and per["acmefind"] % 3 == 0 and per["findymail"] % 2 == 0
    assert info["credits_spent"] == per["acmefind"] + per["findymail"] == summary["credits"]
    assert info["hits"] == per["acmefind"] // 3 + per["findymail"] // 2
    assert info["errors"] == 0 and info["misses"] > 0
    assert "acmefind" in run("run-info", "leads", "Work Email").stdout

    usage = json.loads(run("usage", "--by", "provider", "--json").stdout)
    assert {r["key"]: r["spent"] for r in usage["rows"]}["acmefind"] == per["acmefind"]
    balance = json.loads(run("credits", "--json").stdout)["balance"]
    assert balance["available"] == 2000 - info["credits_spent"]
    verified = run("credits", "verify")
    assert verified.exit_code == 0 and "All credit invariants hold." in verified.stdout


def test_a_user_provider_cannot_take_a_builtin_name_or_be_unknown(run, tmp_path: Path) -> None:
    clash = tmp_path / "clash.toml"
    clash.write_text(MANIFEST.replace('name = "acmefind"', 'name = "hunter"'), encoding="utf-8")
    result = run("providers", "add", str(clash))
    assert result.exit_code == 2 and "'hunter' is a built-in provider" in result.stderr
    missing = run("providers", "add", str(tmp_path / "none.toml"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert run("providers", "remove", "acmefind").exit_code == 2
