"""Estimates (rows, max/expected credits, dependents) and auto-update."""

from __future__ import annotations

import asyncio

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich, tables
from tests.unit.enrich.test_sandbox_runs import EMAIL


def test_estimate_counts_rows_and_credits(sbx_ws, leads):
    spec = ColumnSpec(**{**EMAIL.__dict__, "condition": "email IS NULL", "id": None})
    enrich.add_column(sbx_ws, leads, spec)
    est = enrich.estimate_run(
        sbx_ws, leads, "Work Email", enrich.RowSelection("ids", ids=tuple(range(1, 51)))
    )
    assert est.rows_selected == 50
    assert est.rows_to_run + est.skipped_condition + est.missing_input == 50
    assert est.skipped_condition > 0
    # (2 + 1) for each of the default's 4 finders, when every email is rejected but one
    assert est.per_row_max == 12
    assert est.max_credits == 12 * est.rows_to_run
    assert 0 < est.expected_credits < est.max_credits and est.basis == "typical hit rates"


async def test_estimate_uses_history_and_dependents(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, EMAIL)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Checked", action="verify_email", inputs={"email": "Work Email"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Email Domain", action="normalize_domain", inputs={"value": "Work Email"}),
    )
    summary = await enrich.run_column(
        sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=40)
    )
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("all"))
    assert est.already_done == 40 and est.rows_to_run == 160 and est.basis == "history"
    assert est.expected_credits == round(summary.credits / 40 * 160)
    names = {d.column: d for d in est.dependents}
    assert set(names) == {"Checked", "Email Domain"}
    # 1 credit at each of the default's 3 verifiers
    assert names["Checked"].per_row_max == 3 and names["Email Domain"].max_credits == 0
    assert est.total_max_credits == est.max_credits + names["Checked"].max_credits


async def test_auto_update_runs_on_added_rows_and_edited_inputs(sbx_ws, leads):
    tables.set_table_auto_update(sbx_ws, leads, True)  # a new table starts with it off
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(
            name="Manual", action="validate_email", inputs={"value": "email"}, auto_update=False
        ),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    rid = leads.add_row({"first_name": "Zoe", "company_domain": "https://www.zoe.example/x"})
    leads.set_cell(1, "company_domain", "http://New-Domain.io")
    leads.set_cell(2, "title", "CEO")  # not an input: nothing to run
    for _ in range(100):
        await asyncio.sleep(0.02)
        if updater.summaries and not updater._pending:
            break
    assert leads.row(rid)["Domain"] == "zoe.example"
    assert leads.row(1)["Domain"] == "new-domain.io"
    assert leads.row(2)["Domain"] is None  # never ran on row 2
    ran = {s.column for s in updater.summaries}
    assert ran == {"Domain"}  # "Manual" has auto-update off
    # the table's master switch off: nothing runs
    tables.set_table_auto_update(sbx_ws, leads, False)
    before = len(updater.summaries)
    leads.set_cell(1, "company_domain", "other.org")
    await asyncio.sleep(0.1)
    assert len(updater.summaries) == before and leads.row(1)["Domain"] == "new-domain.io"
    # the column's own switch
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.set_column_auto_update(sbx_ws, leads, "Domain", False)
    leads.set_cell(1, "company_domain", "third.org")
    await asyncio.sleep(0.1)
    assert len(updater.summaries) == before
    updater.detach()
    assert not updater.errors


async def test_auto_update_follows_upstream_results(sbx_ws, leads):
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Site", action="formula", params={"expression": "'www.' || Domain"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Site Domain", action="normalize_domain", inputs={"value": "Domain"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    leads.set_cell(3, "company_domain", "https://Example.ORG/about")
    for _ in range(100):
        await asyncio.sleep(0.02)
        if len(updater.summaries) >= 3 and not updater._pending:
            break
    updater.detach()
    assert leads.row(3)["Domain"] == "example.org"
    assert leads.row(3)["Site Domain"] == "example.org"  # ran because Domain's result changed
    assert leads.row(3)["Site"] == "www.example.org"  # a formula follows its inputs too
    assert {s.column for s in updater.summaries} == {"Domain", "Site", "Site Domain"}
