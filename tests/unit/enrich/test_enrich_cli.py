"""CLI verbs: actions, add-column, run (estimate, confirm, summary), run-info, recipes export."""

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
def config(tmp_path: Path, sandbox_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")
    return path


@pytest.fixture
def run(config: Path):
    def invoke(*args: str, input: str | None = None):  # noqa: A002
        return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return invoke


def test_actions_lists_costs(run) -> None:
    result = run("actions", "--json")
    assert result.exit_code == 0, result.output
    items = {a["slug"]: a for a in json.loads(result.output)}
    assert items["find_work_email"]["credits"] == {
        "prospeo.email_finder": 2,
        "hunter.email_finder": 2,
        "findymail.email_finder": 2,
        "leadmagic.email_finder": 2,
        "hunter.email_verifier": 1,
    }
    assert items["normalize_phone"]["free"] and items["http_call"]["free"]
    assert "find_mobile" in run("actions").output


@ON_BOTH
def test_recipe_run_run_info_and_export(run, tmp_path: Path) -> None:
    result = run("add-column", "leads", "--recipe", str(RECIPE))
    assert result.exit_code == 0, result.output
    assert "Added column Work Email" in result.output
    dry = run("run", "leads", "Work Email", "--limit", "10", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    est = json.loads(dry.stdout)
    assert est["rows_selected"] == 10 and est["rows_to_run"] + est["skipped_condition"] == 10
    first = run("run", "leads", "Work Email", "--limit", "10", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert sum(summary["counts"].values()) == 10
    rest = run("run", "leads", "Work Email", "--not-run", "--yes")
    assert rest.exit_code == 0, rest.output
    assert rest.stdout.startswith("Ran Work Email on ") and "· sandbox." in rest.stdout
    info = json.loads(run("run-info", "leads", "Work Email", "--json").stdout)
    credits = json.loads(run("credits", "--json").stdout)
    assert credits["balance"]["available"] == 2000 - info["credits_spent"]
    assert info["percent_run"] == 100.0 and info["hits"] > 0
    text = run("run-info", "leads", "Work Email").stdout
    assert f"{info['credits_spent']} spent" in text
    out = tmp_path / "out.toml"
    assert run("recipes", "export", "leads", str(out)).exit_code == 0
    assert 'action = "find_work_email"' in out.read_text()


def test_expensive_run_needs_yes_without_a_terminal(run) -> None:
    assert run("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    result = run("run", "leads", "Work Email", "--all")
    assert result.exit_code == 2
    assert "pass --yes to run it" in result.stderr
    assert json.loads(run("run-info", "leads", "Work Email", "--json").stdout)["runs"] == 0


def test_simple_column_from_options(run) -> None:
    result = run(
        "add-column",
        "leads",
        "--name",
        "Domain",
        "--action",
        "normalize_domain",
        "--input",
        "value=company_domain",
        "--where",
        "country = 'FR'",
    )
    assert result.exit_code == 0, result.output
    result = run("run", "leads", "Domain", "--json")
    counts = json.loads(result.stdout)["counts"]
    assert counts["skipped"] > 0 and counts["found"] > 0 and "credits" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add-column", "leads", "--name", "X", "--action", "nope"), "Unknown action 'nope'"),
        (
            (
                "add-column",
                "leads",
                "--name",
                "X",
                "--action",
                "normalize_domain",
                "--input",
                "value",
            ),
            "must look like key=value",
        ),
        (
            (
                "add-column",
                "leads",
                "--name",
                "X",
                "--action",
                "normalize_domain",
                "--input",
                "value=company_domain",
                "--where",
                "employees >>",
            ),
            "condition",
        ),
        (("add-column", "leads"), "Give --recipe"),
        (("run", "leads", "Nope"), "no enrichment column 'Nope'"),
        (("run-info", "nosuchtable", "X"), ""),
    ],
)
def test_mistakes_are_one_line(run, args, message) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("clay-tui: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_two_row_sets_are_refused(run) -> None:
    run(
        "add-column",
        "leads",
        "--name",
        "D",
        "--action",
        "normalize_domain",
        "--input",
        "value=company_domain",
    )
    result = run("run", "leads", "D", "--limit", "3", "--failed")
    assert result.exit_code == 2 and "Choose one row set" in result.stderr


@ON_BOTH
def test_run_where_and_max_credits(run) -> None:
    assert run("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    result = run(
        "run", "leads", "Work Email", "--where", "country = 'DE'", "--max-credits", "9", "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["credits"] <= 9
    de_rows = sum(1 for line in SAMPLE_LEADS.read_text().splitlines() if ",DE," in line)
    assert summary["rows_selected"] == de_rows


def test_limit_is_a_test_run_of_rows_that_meet_the_condition(run) -> None:
    """`run --limit 10` with `country = 'US' AND email IS NULL` ran 0 rows (40 qualify)."""
    result = run(
        "add-column",
        "leads",
        "--name",
        "Work Email",
        "--action",
        "find_work_email",
        "--input",
        "first_name=first_name",
        "--input",
        "last_name=last_name",
        "--input",
        "domain=company_domain",
        "--where",
        "country = 'US' AND email IS NULL",
    )
    assert result.exit_code == 0, result.output
    dry = run("run", "leads", "Work Email", "--limit", "10", "--dry-run")
    assert "10 rows to run" in dry.stderr
    assert "rows 15, 22, 24, 27, 31, 33, 36, 40, 49, 50" in dry.stderr
    # the default waterfall is 4 finders deep: up to 12 credits a row, 120 for the 10 rows,
    # above the confirm threshold of 100
    assert "up to 120 credits" in dry.stderr
    ran = run("run", "leads", "Work Email", "--limit", "10", "--json", "--yes")
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout)
    assert sum(summary["counts"].values()) == 10 and "skipped" not in summary["counts"]


@ON_BOTH
def test_spend_limit_binds_the_estimate_stops_the_run_and_says_how_to_raise_it(run) -> None:
    assert run("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    assert run("edit-column", "leads", "Work Email", "--spend-limit", "20").exit_code == 0
    dry = run("run", "leads", "Work Email", "--all", "--dry-run", "--json")
    est = json.loads(dry.stdout)
    assert est["max_credits"] == 20 and est["capped_by"] == "spend limit"  # before: 6 a row
    assert "up to 20 credits" in dry.stderr and "spend limit" in dry.stderr
    ran = run("run", "leads", "Work Email", "--all")  # 20 is under the confirm threshold
    assert ran.exit_code == 0, ran.output
    assert "spend limit" in ran.stdout
    assert "Work Email's spend limit stopped this run" in ran.stderr
    assert "of 20 credits used" in ran.stderr
    assert "edit-column leads 'Work Email' --spend-limit N" in ran.stderr
    assert "buy" not in ran.stderr
    info = run("run-info", "leads", "Work Email").stdout
    assert "Spend limit" in info and "of 20 used" in info
    data = json.loads(run("run-info", "leads", "Work Email", "--json").stdout)
    assert data["spend_limit"] == 20 and data["spend_limit_left"] == 20 - data["spend_limit_used"]


@ON_BOTH
def test_run_info_rows_tried_is_not_rows_skipped(run) -> None:
    """ "Rows run 200 of 200" after trying 40: the condition's skipped rows are no tries."""
    assert (
        run(
            "add-column",
            "leads",
            "--name",
            "Domain",
            "--action",
            "normalize_domain",
            "--input",
            "value=company_domain",
            "--where",
            "country = 'US'",
        ).exit_code
        == 0
    )
    assert run("run", "leads", "Domain", "--all", "--yes").exit_code == 0
    data = json.loads(run("run-info", "leads", "Domain", "--json").stdout)
    text = run("run-info", "leads", "Domain").stdout
    tried, skipped = data["rows_tried"], data["skipped"]
    assert 0 < tried < 200 and tried + skipped == 200
    assert f"Rows tried  {tried} of 200" in text and f"{skipped} skipped by the condition" in text


def test_progress_line_has_rate_credits_and_eta(run) -> None:
    assert run("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    ran = run("run", "leads", "Work Email", "--limit", "10")
    assert ran.exit_code == 0, ran.output
    last = [line for line in ran.stderr.splitlines() if line.startswith("[")][-1]
    assert "10/10 (100%)" in last and "cells/s" in last and "credits" in last
    assert "ETA 0:00" in last
