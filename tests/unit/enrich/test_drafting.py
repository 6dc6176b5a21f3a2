"""Write a condition / formula with AI: drafted by the (sandbox) model from words and the
table's columns, checked against the table, counted, charged like any AI call."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.sandbox import ai_drafter
from clay_tui.services import credits as credits_svc
from clay_tui.services import drafting, enrich
from clay_tui.table import expressions
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()
WORDS = "US SaaS companies with 50 to 500 employees, no email yet"


def _expected(frame: pl.DataFrame) -> int:
    return frame.filter(
        (pl.col("country") == "US")
        & pl.col("employees").is_between(50, 500)
        & pl.col("email").is_null()
    ).height


async def test_a_drafted_condition_is_checked_counted_and_charged(sbx_ws, leads):
    start = credits_svc.balance(sbx_ws).available
    cost = drafting.draft_cost(sbx_ws)
    assert cost.sandbox and cost.credits > 0 and "sandbox" in cost.label()
    draft = await drafting.draft_async(sbx_ws, leads, WORDS)
    assert draft.problem is None and draft.credits == cost.credits and not draft.cached
    assert "country = 'US'" in draft.expression and "email IS NULL" in draft.expression
    assert draft.matches == _expected(leads.frame) > 0  # the count is the table's, not a guess
    assert "saas" in draft.explanation.lower()  # words no column holds are named
    assert credits_svc.balance(sbx_ws).available == start - cost.credits
    again = await drafting.draft_async(sbx_ws, leads, WORDS)
    assert again.cached and again.credits == 0 and again.expression == draft.expression
    assert credits_svc.balance(sbx_ws).available == start - cost.credits  # paid once
    report = credits_svc.verify_credits(sbx_ws, repair=False)
    assert report.ok, report.checks
    by_table = credits_svc.usage_report(sbx_ws, by="table")
    assert [(r.label, r.net) for r in by_table.rows] == [("leads", cost.credits)]
    # the charge's stored result is the draft: without it, verify says so
    with sbx_ws.transaction():
        sbx_ws.db.execute("DELETE FROM ai_drafts")
    report = credits_svc.verify_credits(sbx_ws, repair=False)
    assert not report.ok and "without a stored result" in str(report.checks)


async def test_a_draft_that_does_not_fit_costs_nothing(sbx_ws, leads):
    start = credits_svc.balance(sbx_ws).available
    draft = await drafting.draft_async(sbx_ws, leads, "purple elephants")
    assert draft.problem and "purple" in draft.problem and draft.credits == 0
    assert credits_svc.balance(sbx_ws).available == start
    assert credits_svc.verify_credits(sbx_ws, repair=False).ok


async def test_drafts_read_ai_output_columns(sbx_ws, leads):
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(
            name="Qualify",
            action="ai_prompt",
            params={"prompt": "{{company}}", "fields": {"qualified": "bool"}},
        ),
    )
    draft = await drafting.draft_async(sbx_ws, leads, "qualified leads without a phone")
    assert draft.expression == "phone IS NULL AND qualified = true", draft
    assert draft.problem is None and draft.matches == 0  # nothing qualified yet


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("full name", "concat_ws(' ', first_name, last_name)"),
        ("domain of the email", "split_part(email, '@', 2)"),
        ("size band from employees", "CASE WHEN employees < 50"),
        ("initials", "concat(upper(left(first_name, 1))"),
    ],
)
async def test_formula_drafts_compile(sbx_ws, leads, words, expected):
    draft = await drafting.draft_async(sbx_ws, leads, words, "formula")
    assert draft.expression.startswith(expected) and draft.problem is None
    assert len(draft.preview) == 3


@pytest.mark.parametrize(
    "words",
    [
        "directors or VPs in France or Germany with a phone",
        "companies over 1,000 employees with a linkedin profile",
        "under 20 employees, missing phone",
        "Canadian founders",
    ],
)
def test_sandbox_drafts_are_valid_conditions_for_the_sample(words):
    frame = pl.read_csv(SAMPLE_LEADS, infer_schema_length=0).with_columns(
        pl.col("employees").cast(pl.Int64)
    )
    columns = [{"name": c, "type": "int" if c == "employees" else "text"} for c in frame.columns]
    expression, notes = ai_drafter.condition(words, columns)
    assert expression and notes
    assert frame.select(expressions.parse(expression)).dtypes[0] == pl.Boolean
    assert ai_drafter.condition(words, columns) == (expression, notes)  # deterministic


@pytest.fixture
def run(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return invoke


def test_cli_condition_draft_prints_the_condition_and_count_and_saves(run):
    recipe = Path(__file__).resolve().parents[3] / "sample_tables/recipes/find_work_email.toml"
    assert run("add-column", "leads", "--recipe", str(recipe)).exit_code == 0
    shown = run("condition", "draft", "leads", WORDS, "--save-to", "Work Email")
    assert shown.exit_code == 0, shown.output
    assert "sandbox model" in shown.output and "matches:" in shown.output
    assert "Saved as the condition of Work Email" in shown.output
    info = json.loads(
        run("condition", "draft", "leads", WORDS, "--json", "--save-to", "Work Email").output
    )
    assert info["cached"] and info["credits"] == 0 and info["matches"] > 0
    estimate = run("run", "leads", "Work Email", "--dry-run")
    assert f"{info['rows'] - info['matches']} skipped by the condition" in estimate.output
    bad = run("condition", "draft", "leads", "purple elephants")
    assert bad.exit_code == 2 and "not charged" in bad.output
    assert run("credits", "verify").exit_code == 0


def test_cli_never_prints_the_models_escape_codes(run, monkeypatch):
    evil = json.dumps({"expression": "", "explanation": "\x1b]0;pwned\x07 no column"})
    monkeypatch.setattr(ai_drafter, "answer", lambda name, system, prompt: evil)
    shown = run("condition", "draft", "leads", "anything at all")
    assert shown.exit_code == 2
    assert "\x1b" not in shown.output and "\x07" not in shown.output
