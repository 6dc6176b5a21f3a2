"""Column specs: checks at creation (one sentence each) and TOML recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from clay_tui.enrich.spec import ColumnSpec, render_template
from clay_tui.errors import ColumnSpecError
from clay_tui.services import enrich

REPO = Path(__file__).resolve().parents[3]
EMAIL_INPUTS = {"first_name": "first_name", "last_name": "last_name", "domain": "company_domain"}


def spec(**kw) -> ColumnSpec:
    base = {"name": "Work Email", "action": "find_work_email", "inputs": dict(EMAIL_INPUTS)}
    base.update(kw)
    return ColumnSpec(**base)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"action": "nope"}, "Unknown action 'nope'"),
        ({"inputs": {**EMAIL_INPUTS, "domain": "no_such"}}, "Column 'no_such' is not in table"),
        ({"inputs": {"first_name": "first_name"}}, "needs one of the inputs domain or company"),
        ({"inputs": {**EMAIL_INPUTS, "colour": "x"}}, "has no input 'colour'"),
        ({"providers": ["clearbit"]}, "Unknown provider 'clearbit'"),
        ({"providers": ["openai"]}, "cannot use provider openai"),
        ({"providers": ["hunter", "hunter"]}, "listed twice"),
        ({"condition": "employees >"}, "condition"),
        ({"condition": "no_such_col > 3"}, "names a column the table does not have"),
        ({"condition": "employees + 1"}, "is not a condition"),
        ({"validation": "psychic"}, "Unknown validation"),
        ({"outputs": {"mood": "Mood"}}, "has no output 'mood'"),
        ({"name": "company"}, "already has a column named 'company'"),
        ({"required": ["ghost"]}, "Column 'ghost' is not in table"),
        ({"spend_limit": -5}, "must not be negative"),
        ({"params": {"colour": 1}}, "has no setting 'colour'"),
    ],
)
def test_bad_specs_are_one_sentence(sbx_ws, leads, kw, message):
    with pytest.raises(ColumnSpecError, match=message) as info:
        enrich.add_column(sbx_ws, leads, spec(**kw))
    assert "\n" not in str(info.value)
    assert enrich.list_columns(sbx_ws, leads) == []


def test_wrong_types_in_a_recipe(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[column]]\nname = "X"\naction = "formula"\nproviders = "hunter"\n')
    with pytest.raises(ColumnSpecError, match="providers must be a list"):
        enrich.load_recipe(bad)
    bad.write_text('[[column]]\nname = "X"\naction = "formula"\nspend_limit = true\n')
    with pytest.raises(ColumnSpecError, match="spend_limit must be a whole number"):
        enrich.load_recipe(bad)
    bad.write_text('[[column]]\nname = "X"\naction = "formula"\ncolour = 1\n')
    with pytest.raises(ColumnSpecError, match="unknown setting 'colour'"):
        enrich.load_recipe(bad)
    bad.write_text("[[column\n")
    with pytest.raises(ColumnSpecError, match="not valid TOML"):
        enrich.load_recipe(bad)
    with pytest.raises(ColumnSpecError, match="does not exist"):
        enrich.load_recipe(tmp_path / "missing.toml")


def test_add_column_fills_defaults_and_creates_outputs(sbx_ws, leads):
    added = enrich.add_column(
        sbx_ws, leads, spec(outputs={"email": "Work Email", "score": "Email Score"})
    )
    assert added.id and added.kind == "waterfall"
    # the default waterfall: every built-in email finder
    assert added.providers == ["prospeo", "hunter", "findymail", "leadmagic"]
    assert {"Work Email", "Email Score"} <= set(leads.columns)
    assert leads.dtype_label("Email Score") == "int"
    stored = enrich.get_column(sbx_ws, leads, "Work Email")
    assert stored.outputs == {"email": "Work Email", "score": "Email Score"}
    with pytest.raises(ColumnSpecError, match="already has an enrichment column"):
        enrich.add_column(sbx_ws, leads, spec())
    with pytest.raises(ColumnSpecError, match="no enrichment column 'Nope'"):
        enrich.get_column(sbx_ws, leads, "Nope")


def test_recipe_round_trip(sbx_ws, leads, tmp_path):
    for path in sorted((REPO / "sample_tables" / "recipes").glob("*.toml")):
        for s in enrich.load_recipe(path):
            enrich.add_column(sbx_ws, leads, s)
    out = tmp_path / "out.toml"
    enrich.export_recipes(sbx_ws, leads, out)
    again = enrich.load_recipe(out)
    before = {s.name: s.to_dict() for s in enrich.list_columns(sbx_ws, leads)}
    assert {s.name: s.to_dict() for s in again} == before
    assert before["Work Email"]["providers"] == ["prospeo", "hunter"]
    assert before["Work Email"]["validation"] == "hunter.email_verifier"


def test_templates():
    assert (
        render_template(
            "Hi {{first_name}} at {{ company }}!", {"first_name": "Ann", "company": None}
        )
        == "Hi Ann at !"
    )


def test_ai_prompt_checks_its_template(sbx_ws, leads):
    with pytest.raises(ColumnSpecError, match="needs params.prompt"):
        enrich.add_column(sbx_ws, leads, ColumnSpec(name="AI", action="ai_prompt"))
    with pytest.raises(ColumnSpecError, match="Column 'nope' is not in table"):
        enrich.add_column(
            sbx_ws,
            leads,
            ColumnSpec(name="AI", action="ai_prompt", params={"prompt": "Hi {{nope}}"}),
        )
    with pytest.raises(ColumnSpecError, match="params.max_tokens must be int"):
        enrich.add_column(
            sbx_ws,
            leads,
            ColumnSpec(
                name="AI", action="ai_prompt", params={"prompt": "Hi", "max_tokens": "many"}
            ),
        )
