"""Estimates that bind (issue 8, item 2): the maximum never exceeds what the run can spend:
the column's remaining spend limit, --max-credits, the balance."""

from __future__ import annotations

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.test_sandbox_runs import EMAIL


def _add(ws, table, **kw) -> None:
    enrich.add_column(ws, table, ColumnSpec(**{**EMAIL.__dict__, "id": None, **kw}))


def test_the_spend_limit_caps_the_estimate(sbx_ws, leads):
    _add(sbx_ws, leads, spend_limit=50)
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("all"))
    # (2 + 1) for each of the default's 4 finders
    assert est.uncapped_max_credits == 12 * est.rows_to_run > 50
    assert est.max_credits == 50 and est.capped_by == "spend limit"  # before: 2,400
    assert est.spend_limit == 50 and est.spend_limit_left == 50
    assert est.total_max_credits == 50 and est.expected_credits <= 50


def test_max_credits_caps_the_estimate(sbx_ws, leads):
    _add(sbx_ws, leads, spend_limit=50)
    est = enrich.estimate_run(
        sbx_ws, leads, "Work Email", enrich.RowSelection("all"), max_credits=12
    )
    assert est.max_credits == 12 and est.capped_by == "max credits"


async def test_the_limit_left_and_the_balance_cap_it(tmp_path, clock, sandbox_url):
    from clay_tui.services import tables

    ws = make_ws(tmp_path, clock, plan_credits=100)
    try:
        table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        _add(ws, table, spend_limit=30)
        summary = await enrich.run_column(
            ws, table, "Work Email", enrich.RowSelection("first", limit=2)
        )
        est = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("not_run"))
        assert est.spend_limit_left == 30 - summary.credits
        assert est.max_credits == 30 - summary.credits and est.capped_by == "spend limit"
        enrich.update_column(ws, table, "Work Email", spend_limit=None)
        est = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("not_run"))
        assert est.available == 100 - summary.credits
        assert est.max_credits == est.available and est.capped_by == "balance"
    finally:
        ws.close()
