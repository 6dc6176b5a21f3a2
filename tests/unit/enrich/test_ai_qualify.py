"""AI that qualifies before you pay: an AI column's declared fields land in typed columns,
and a paid column's condition reads them (sandbox, real adapters, real HTTP)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from clay_tui.enrich import ai_schema
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ColumnSpecError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from clay_tui.states import CellState

FIELDS = {"qualified": "bool", "reason": "text", "segment": "SMB|Mid-market|Enterprise"}
QUALIFY = ColumnSpec(
    name="Qualify",
    action="ai_prompt",
    params={
        "prompt": "Is {{company}} ({{employees}} employees, {{country}}) a fit for us?",
        "fields": FIELDS,
    },
)
EMAIL = ColumnSpec(
    name="Work Email",
    action="find_work_email",
    inputs={
        "first_name": "first_name",
        "last_name": "last_name",
        "domain": "company_domain",
        "company": "company",
    },
    condition="qualified = true",
)


async def test_ai_qualification_gates_a_paid_column(sbx_ws, leads, sandbox_server):
    added = enrich.add_column(sbx_ws, leads, QUALIFY)
    assert added.outputs == {
        "text": "Qualify",
        "qualified": "qualified",
        "reason": "reason",
        "segment": "segment",
    }
    assert leads.frame.schema["qualified"] == pl.Boolean
    ai = await enrich.run_column(sbx_ws, leads, "Qualify", enrich.RowSelection("all"))
    assert ai.counts.get(CellState.FOUND) == leads.frame.height
    qualified = leads.frame.get_column("qualified")
    assert qualified.dtype == pl.Boolean  # stays boolean after results land
    n_yes = int(qualified.sum())
    assert 0 < n_yes < leads.frame.height
    assert set(leads.frame.get_column("segment").to_list()) <= {"SMB", "Mid-market", "Enterprise"}
    one = json.loads(leads.frame.get_column("Qualify")[0])
    assert one["qualified"] == qualified[0]

    enrich.add_column(sbx_ws, leads, EMAIL)
    run = await enrich.run_column(sbx_ws, leads, "Work Email", enrich.RowSelection("all"))
    # the rows Prospeo (the waterfall's first finder) was asked about, alone or in a bulk call
    calls = sbx_ws.db.execute(
        "SELECT COUNT(DISTINCT row_id) FROM attempts WHERE provider = 'prospeo'"
        " AND op = 'email_finder' AND run_id = ?",
        (run.run_id,),
    ).fetchone()[0]
    assert run.counts.get(CellState.SKIPPED) == leads.frame.height - n_yes
    ran = n_yes - run.counts.get(CellState.MISSING_INPUT, 0)
    assert calls == ran > 0  # the finder was asked for qualified rows only
    emails = leads.frame.filter(pl.col("Work Email").is_not_null())
    assert emails.height and emails.get_column("qualified").all()
    report = credits_svc.verify_credits(sbx_ws, repair=False)
    assert report.ok, report.checks


async def test_an_answer_off_the_schema_is_invalid_and_refunded(sbx_ws, leads, monkeypatch):
    """The sandbox answers the schema it is sent; a schema the column does not expect
    (the model answering another shape) must not land as data, nor cost anything."""
    enrich.add_column(sbx_ws, leads, QUALIFY)
    real = ai_schema.response_format
    monkeypatch.setattr(
        ai_schema,
        "response_format",
        lambda fields, name="answer": real({**fields, "qualified": "text"}, name),
    )
    start = credits_svc.balance(sbx_ws).available
    run = await enrich.run_column(sbx_ws, leads, "Qualify", enrich.RowSelection("first", limit=5))
    assert run.counts.get(CellState.INVALID) == 5
    assert run.refunded > 0 and credits_svc.balance(sbx_ws).available == start
    assert leads.frame.get_column("qualified").head(5).null_count() == 5
    assert credits_svc.verify_credits(sbx_ws, repair=False).ok


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"qualified": "boolean"}, "use text, bool, int, float or A|B|C"),
        ({"9lives": "bool"}, "is not usable"),
        ({"text": "bool"}, "is not usable"),
        ("qualified: bool", "must be a table"),
    ],
)
def test_bad_fields_are_one_sentence(sbx_ws, leads, fields, words):
    spec = ColumnSpec(
        name="Q", action="ai_prompt", params={"prompt": "{{company}}", "fields": fields}
    )
    with pytest.raises(ColumnSpecError, match="(?s).*" + words.replace("|", r"\|")):
        enrich.add_column(sbx_ws, leads, spec)


def test_parse_checks_every_field():
    assert ai_schema.parse('{"qualified": true, "reason": "x", "segment": "SMB"}', FIELDS) == {
        "qualified": True,
        "reason": "x",
        "segment": "SMB",
    }
    assert "not JSON" in ai_schema.parse("yes", FIELDS)
    assert "no 'reason'" in ai_schema.parse('{"qualified": true, "segment": "SMB"}', FIELDS)
    assert "not bool" in ai_schema.parse(
        '{"qualified": "yes", "reason": "x", "segment": "SMB"}', FIELDS
    )
    assert "one of" in ai_schema.parse(
        '{"qualified": true, "reason": "x", "segment": "Huge"}', FIELDS
    )
