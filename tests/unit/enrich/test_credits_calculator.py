"""The credits calculator gives a run's estimate's figures for the same rows, and says what
covers them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import cli
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError
from clay_tui.services import calculator, enrich
from tests.conftest import REPO
from tests.unit.enrich.test_sandbox_runs import EMAIL

RECIPE = REPO / "sample_tables" / "recipes" / "find_work_email.toml"


def _uncapped(est):
    return est.uncapped_max_credits or est.max_credits


def test_calculator_equals_the_run_estimate_for_the_same_rows(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, ColumnSpec(**{**EMAIL.__dict__, "id": None}))
    est = enrich.estimate_run(
        sbx_ws, leads, "Work Email", enrich.RowSelection("ids", ids=tuple(range(1, 61)))
    )
    specs = calculator.resolve_specs(sbx_ws, ["Work Email"], None, leads)
    calc = calculator.calculate(sbx_ws, est.rows_to_run, specs, leads)
    (line,) = calc.columns
    assert est.basis == line.basis == "typical hit rates"
    assert line.max_credits == _uncapped(est) and line.expected_credits == est.expected_credits
    assert 0 < line.expected_credits < line.max_credits
    # the same through the action's slug (no table: its default waterfall)
    other = calculator.calculate(
        sbx_ws, est.rows_to_run, calculator.resolve_specs(sbx_ws, ["find_work_email"], None)
    )
    assert (other.max_credits, other.expected_credits) == (
        line.max_credits,
        line.expected_credits,
    )
    # and through the recipe (its own two-provider waterfall) against the recipe's column
    [recipe] = enrich.load_recipe(RECIPE)
    enrich.add_column(sbx_ws, leads, replace(recipe, name="R", outputs={"email": "R"}))
    est = enrich.estimate_run(sbx_ws, leads, "R", enrich.RowSelection("ids", ids=(*range(1, 61),)))
    other = calculator.calculate(
        sbx_ws, est.rows_to_run, calculator.resolve_specs(sbx_ws, [], RECIPE)
    )
    assert (other.max_credits, other.expected_credits) == (
        _uncapped(est),
        est.expected_credits,
    )
    assert other.max_credits < line.max_credits  # 2 finders deep, the default 4


async def test_calculator_follows_the_columns_history_as_the_estimate_does(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, EMAIL)
    await enrich.run_column(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=30))
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("not_run"))
    specs = calculator.resolve_specs(sbx_ws, ["Work Email"], None, leads)
    calc = calculator.calculate(sbx_ws, est.rows_to_run, specs, leads)
    assert est.basis == calc.columns[0].basis == "history"
    assert calc.expected_credits == est.expected_credits
    assert calc.max_credits == _uncapped(est)


def test_months_of_plan_and_what_covers_it(sbx_ws):
    specs = calculator.resolve_specs(sbx_ws, ["find_work_email", "normalize_domain"], None)
    small = calculator.calculate(sbx_ws, 10, specs)
    assert small.columns[1].max_credits == 0 and small.columns[1].basis == "free"
    assert small.top_up == 0 and "cover even the maximum" in small.covered_by()
    big = calculator.calculate(sbx_ws, 4_000, specs)
    # 2 + 1 (finder, verifier) for each of the default waterfall's 4 email finders
    assert big.max_credits == 12 * 4_000
    assert big.months(big.max_credits) == pytest.approx(48_000 / 2_000)
    assert big.top_up == 48_000 - big.available
    assert big.plan_change == "Pro"  # the smallest plan whose month holds 48,000
    assert f"buy {big.top_up:,}" in big.covered_by()


@pytest.mark.parametrize(
    ("columns", "recipe", "needle"),
    [
        (["No Such Column"], None, "Unknown column 'No Such Column'"),
        ([], Path("/nonexistent/recipe.toml"), "does not exist"),
        ([], None, "Say what to price"),
        (["find_work_email"], RECIPE, "not both"),
    ],
)
def test_unknown_columns_and_recipes_are_one_sentence(sbx_ws, columns, recipe, needle):
    with pytest.raises(ClayError) as err:
        calculator.resolve_specs(sbx_ws, columns, recipe)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_cli_credits_calculate(tmp_path):
    ws = ["--workspace", str(tmp_path / "ws")]
    run = CliRunner().invoke
    out = run(cli, [*ws, "credits", "calculate", "--rows", "100", "--recipe", str(RECIPE)])
    assert out.exit_code == 0, out.output
    assert "Work Email" in out.output and "month(s) of the Starter plan" in out.output
    js = run(
        cli, [*ws, "credits", "calculate", "--rows", "100", "--column", "verify_email", "--json"]
    )
    # 1 credit at each of the default's 3 verifiers ("unknown" asks the next)
    assert js.exit_code == 0 and '"max_credits": 300' in js.output
    bad = run(cli, [*ws, "credits", "calculate", "--rows", "100", "--column", "Nope"])
    assert bad.exit_code == 2 and "Unknown column 'Nope'" in bad.output
    zero = run(cli, [*ws, "credits", "calculate", "--rows", "0", "--column", "verify_email"])
    assert zero.exit_code == 2 and "from 1 to" in zero.output
