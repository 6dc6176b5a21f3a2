"""CLI verbs edit-column and remove-column: changes, one-sentence errors, exit 2."""

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
def run(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str, input: str | None = None):  # noqa: A002
        return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    assert invoke("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    return invoke


def one_error(result, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clay-tui: ") and text in lines[0], lines


@ON_BOTH
def test_edit_column_changes_and_renames(run) -> None:
    result = run(
        "edit-column",
        "leads",
        "Work Email",
        "--where",
        "company IS NOT NULL",
        "--no-auto-update",
        "--spend-limit",
        "40",
        "--rename",
        "Email",
    )
    assert result.exit_code == 0, result.output
    assert (
        "Updated column Email: only run if company IS NOT NULL; auto-update off; "
        "spend limit 40 credits." in result.stdout
    )
    dry = run("run", "leads", "Email", "--limit", "5", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    one_error(
        run("run", "leads", "Work Email", "--limit", "5", "--dry-run"),
        "no enrichment column 'Work Email'",
    )
    cleared = run("edit-column", "leads", "Email", "--no-where", "--no-spend-limit")
    assert cleared.exit_code == 0, cleared.output
    assert "only run if (always); auto-update off; spend limit none." in cleared.stdout


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--where", "nope = 1"), "condition"),
        (("--spend-limit", "-1"), "must not be negative"),
        (("--rename", "company"), "already has a column named 'company'"),
        (("--where", "x", "--no-where"), "not both"),
        ((), "Nothing to change"),
    ],
)
def test_edit_column_errors(run, args, text) -> None:
    one_error(run("edit-column", "leads", "Work Email", *args), text)


@ON_BOTH
def test_remove_column_needs_yes_and_keeps_history(run) -> None:
    assert run("run", "leads", "Work Email", "--limit", "10", "--yes").exit_code == 0
    refused = run("remove-column", "leads", "Work Email")
    one_error(refused, "pass --yes")
    done = run("remove-column", "leads", "Work Email", "--yes")
    assert done.exit_code == 0, done.output
    assert "Removed column Work Email (Work Email, Email Provider, Email Status)" in done.stdout
    exported = run("usage", "--by", "column", "--json")
    assert exported.exit_code == 0, exported.output
    assert "leads / Work Email" in exported.stdout
    verify = run("credits", "verify", "--json")
    assert verify.exit_code == 0, verify.output
    assert json.loads(verify.stdout)["ok"] is True
    one_error(
        run("remove-column", "leads", "Work Email", "--yes"), "no enrichment column 'Work Email'"
    )
