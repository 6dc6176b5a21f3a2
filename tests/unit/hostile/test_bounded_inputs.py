"""Bounded inputs: what a user types or loads is size- and depth-checked before any parser
sees it, so nothing (100 KB of ORs, a 5.6 MB formula, 3,000 nested tables) can crash the
interpreter; each is refused in one sentence with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from clay_tui.errors import ClayError, ExpressionError
from clay_tui.table import expressions
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config
from tests.unit.hostile.cli_helpers import assert_one_sentence, invoke, spawn

ORS = " OR ".join(f"employees = {i}" for i in range(6000))  # ~100 KB, segfaulted Polars


@pytest.fixture
def cli_ws(tmp_path: Path, sandbox_url: str) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")
    base = ["--config", str(config), "--workspace", str(tmp_path / "ws")]
    assert invoke(*base, "import", str(SAMPLE_LEADS), "--name", "leads").code == 0
    recipe = Path(__file__).resolve().parents[3] / "sample_tables/recipes/cleaning.toml"
    assert invoke(*base, "add-column", "leads", "--recipe", str(recipe)).code == 0
    return base


@pytest.mark.parametrize(
    "text, word",
    [
        (ORS, "long"),
        ("x" * 10_001, "long"),
        ("(" * 300 + "a = 1" + ")" * 300, "deep"),
        (" AND ".join(["a=1"] * 1200), "terms"),
        ("-" * 5000 + "1", "deep"),
        ("NOT " * 1500 + "a", "deep"),
    ],
)
def test_expression_limits(text: str, word: str) -> None:
    with pytest.raises(ExpressionError) as info:
        expressions.parse(text)
    msg = str(info.value)
    assert word in msg and "\n" not in msg and len(msg) < 400


def test_reasonable_expressions_still_parse() -> None:
    expressions.parse(" OR ".join(f"employees = {i}" for i in range(300)))
    expressions.parse("(" * 20 + "a = 1" + ")" * 20)
    expressions.parse("note = 'it is ((((((((( fine' AND x = '-----------'")


def test_huge_where_is_one_sentence_not_a_segfault(cli_ws) -> None:
    out = spawn(*cli_ws, "run", "leads", "Domain", "--where", ORS, "--dry-run")
    assert out.code >= 0, f"killed by signal {-out.code}"
    assert_one_sentence(out, 2, contains="long")


def test_huge_formula_in_a_recipe(cli_ws, tmp_path: Path) -> None:
    recipe = tmp_path / "big.toml"
    recipe.write_text(
        tomli_w.dumps(
            {"column": [{"name": "Big", "action": "formula", "params": {"expression": ORS * 56}}]}
        )
    )
    assert recipe.stat().st_size > 5_000_000
    out = spawn(*cli_ws, "add-column", "leads", "--recipe", str(recipe))
    assert out.code >= 0, f"killed by signal {-out.code}"
    assert_one_sentence(out, 2, contains="too big")


def test_formula_over_the_expression_limit_in_a_small_recipe(cli_ws, tmp_path) -> None:
    recipe = tmp_path / "f.toml"
    recipe.write_text(
        tomli_w.dumps(
            {"column": [{"name": "Big", "action": "formula", "params": {"expression": ORS}}]}
        )
    )
    assert_one_sentence(
        invoke(*cli_ws, "add-column", "leads", "--recipe", str(recipe)), 2, contains="long"
    )


@pytest.mark.parametrize(
    "body",
    [
        "a = " + "[" * 3000 + "]" * 3000,
        "a = " + "{b = " * 3000 + "}" * 3000,
        "[column]\nname = 'x'\naction = 'formula'\nparams = " + "{ a = " * 500 + "1" + "}" * 500,
    ],
)
def test_deeply_nested_recipe(cli_ws, tmp_path: Path, body: str) -> None:
    recipe = tmp_path / "deep.toml"
    recipe.write_text(body)
    assert_one_sentence(
        invoke(*cli_ws, "add-column", "leads", "--recipe", str(recipe)), 2, contains="nested"
    )


def test_deeply_nested_config(tmp_path: Path) -> None:
    from clay_tui.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text("[workspace]\npath = " + "[" * 3000 + "]" * 3000)
    with pytest.raises(ClayError) as info:
        load_settings(path)
    assert "nested" in str(info.value) and str(path) in str(info.value)


def test_deeply_nested_manifest(tmp_path: Path) -> None:
    """A provider manifest is read like the config and a recipe (one reader): its depth is
    checked before the parser sees it, and a NUL byte is refused, each in one sentence."""
    from clay_tui.manifests.schema import ManifestError, load_manifest

    deep = tmp_path / "deep.toml"
    deep.write_text("[provider]\nname = " + "[" * 80 + "]" * 80)
    with pytest.raises(ManifestError, match=r"nested too deep \(80 levels"):
        load_manifest(deep)
    binary = tmp_path / "nul.toml"
    binary.write_text("[provider]\nname = 'x'\n# \x00")
    with pytest.raises(ManifestError, match="NUL bytes"):
        load_manifest(binary)
