"""All or nothing (issue 7, finding 6): an add-column that exits 2 has changed nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.config import parse_settings
from clay_tui.services import enrich, tables
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()

GOOD = {"name": "Domain", "action": "normalize_domain", "inputs": {"value": "company_domain"}}

CHECKED = {"name": "Checked", "action": "verify_email", "inputs": {"email": "email"}}


@pytest.fixture
def cli_run(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return invoke


def state(tmp_path: Path) -> tuple[list[str], list[str]]:
    """(table columns, enrichment columns) as a fresh process sees them."""
    ws = Workspace.open(parse_settings(sandbox_raw_config(), "<t>", tmp_path / "ws"))
    try:
        table = tables.find_table(ws, "leads")
        return list(table.columns), [c.name for c in enrich.list_columns(ws, table)]
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("columns", "text"),
    [
        ([GOOD, {"name": "Bad", "action": "no_such_action"}], "Unknown action 'no_such_action'"),
        (
            [GOOD, {"name": "Site", "action": "formula", "params": {"expression": "nope || 'x'"}}],
            "nope",
        ),
        ([GOOD, {**GOOD, "inputs": {"value": "email"}}], "Two columns are named 'Domain'"),
        (
            [GOOD, {**CHECKED, "outputs": {"status": "Checked", "score": "_row_id"}}],
            "_row_id is reserved",
        ),
        (
            [{**CHECKED, "outputs": {"status": "Checked", "score": "_row_id"}}],
            "_row_id is reserved",
        ),
        (
            [GOOD, {**CHECKED, "outputs": {"status": "Checked", "score": "Domain"}}],
            "already has a column named 'Domain'",
        ),
        (
            [GOOD, {"name": "country", "action": "normalize_domain", "inputs": {"value": "email"}}],
            "already has a column named 'country'",
        ),
    ],
)
def test_a_bad_recipe_adds_nothing(cli_run, tmp_path: Path, columns, text) -> None:
    before = state(tmp_path)
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(tomli_w.dumps({"column": columns}), encoding="utf-8")
    result = cli_run("add-column", "leads", "--recipe", str(recipe))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], lines
    assert result.stdout == ""
    assert state(tmp_path) == before


def test_a_recipe_whose_later_column_reads_an_earlier_one_is_added_whole(cli_run, tmp_path) -> None:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        tomli_w.dumps(
            {
                "column": [
                    GOOD,
                    {
                        "name": "Site",
                        "action": "formula",
                        "params": {"expression": "'www.' || Domain"},
                        "condition": "Domain IS NOT NULL",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    result = cli_run("add-column", "leads", "--recipe", str(recipe))
    assert result.exit_code == 0, result.output
    cols, specs = state(tmp_path)
    assert specs == ["Domain", "Site"] and cols[-2:] == ["Domain", "Site"]


@pytest.mark.parametrize(
    "args",
    [
        ("edit-column", "{path}", "Domain", "--where", "country = 'US'"),
        ("remove-column", "{path}", "Domain", "--yes"),
        ("auto-update", "{path}", "on"),
    ],
)
def test_verbs_on_a_file_that_is_not_a_table_import_nothing(cli_run, tmp_path, args) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli_run(*[a.format(path=other) for a in args])
    assert result.exit_code == 2 and "No table named" in result.stderr, result.output
    listed = cli_run("tables")
    assert "other" not in listed.stdout and "leads" in listed.stdout
