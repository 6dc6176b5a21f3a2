"""Auto-update that asks (issue 8, item 3) and never re-runs for nothing (issue 7, item 1):
condition columns trigger, outputs and same-value "changes" never do, a new table starts
with it off, a daily cap pauses paid columns."""

from __future__ import annotations

import asyncio

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.table.lead_table import TableChange
from tests.unit.enrich.test_sandbox_runs import EMAIL


async def idle(updater) -> None:
    await asyncio.sleep(0.05)
    while updater._pending or (updater._task is not None and not updater._task.done()):
        await asyncio.sleep(0.02)


def test_a_new_table_starts_with_auto_update_off(sbx_ws, leads) -> None:
    assert tables.table_auto_update(sbx_ws, leads) is False
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads)
    rid = leads.add_row({"company_domain": "a.com"})
    assert updater.rows_for(TableChange("add_rows", (rid,), ())) == {}


def test_a_condition_column_triggers_the_row(sbx_ws, leads) -> None:
    """Clearing `email` when the condition is `email IS NULL` re-runs that row."""
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws, leads, ColumnSpec(**{**EMAIL.__dict__, "id": None, "condition": "email IS NULL"})
    )
    updater = enrich.AutoUpdater(sbx_ws, leads)
    row = next(r for r in leads.frame.iter_rows(named=True) if r["email"])
    rid = row["_row_id"]
    leads.set_cell(rid, "email", None)
    assert updater.rows_for(TableChange("set", (rid,), ("email",))) == {"Work Email": {rid}}
    # an output column never triggers its own column
    leads.write_results("Email Status", {rid: "valid"})
    assert updater.rows_for(TableChange("results", (rid,), ("Email Status",))) == {}


def test_a_change_to_the_same_value_runs_nothing(sbx_ws, leads) -> None:
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws, leads, ColumnSpec(name="Checked", action="verify_email", inputs={"email": "email"})
    )
    updater = enrich.AutoUpdater(sbx_ws, leads)
    same = leads.row(1)["email"]
    leads.set_cell(1, "email", same)
    assert updater.rows_for(TableChange("set", (1,), ("email",))) == {}
    leads.set_cell(1, "email", "new@example.com")
    assert updater.rows_for(TableChange("set", (1,), ("email",))) == {"Checked": {1}}
    leads.set_cell(1, "email", "new@example.com")  # again: it already ran for this value
    assert updater.rows_for(TableChange("set", (1,), ("email",))) == {}


async def test_an_upstream_result_that_did_not_change_does_not_re_run_downstream(
    sbx_ws, leads
) -> None:
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Site", action="ai_prompt", params={"prompt": "About {{Domain}}"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        leads.set_cell(3, "company_domain", "https://Example.ORG/about")
        await asyncio.wait_for(idle(updater), 20)
        assert [s.column for s in updater.summaries] == ["Domain", "Site"]
        paid = credits_svc.balance(sbx_ws).available
        # the same domain written differently: Domain's result is the same, Site stays
        leads.set_cell(3, "company_domain", "http://example.org")
        await asyncio.wait_for(idle(updater), 20)
        assert [s.column for s in updater.summaries] == ["Domain", "Site", "Domain"]
        assert credits_svc.balance(sbx_ws).available == paid
    finally:
        updater.detach()
    assert not updater.errors


async def test_a_diamond_runs_the_last_column_once_after_both_inputs(sbx_ws, leads) -> None:
    """A -> B -> C and A -> C: C runs once, after B (upstream first), never twice."""
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="A", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.add_column(
        sbx_ws, leads, ColumnSpec(name="B", action="formula", params={"expression": "'www.' || A"})
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="C", action="formula", params={"expression": "B || ' / ' || A"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        leads.set_cell(2, "company_domain", "https://d.example/x")
        await asyncio.wait_for(idle(updater), 20)
    finally:
        updater.detach()
    assert [s.column for s in updater.summaries] == ["A", "B", "C"]
    assert leads.row(2)["C"] == "www.d.example / d.example"


async def test_the_daily_cap_pauses_paid_columns(sbx_ws, leads, clock) -> None:
    from dataclasses import replace

    sbx_ws.settings = replace(
        sbx_ws.settings, run=replace(sbx_ws.settings.run, auto_update_daily_cap=2)
    )
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Pitch", action="ai_prompt", params={"prompt": "Hi {{company}}"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    start = credits_svc.balance(sbx_ws).available
    try:
        for i in range(1, 5):
            leads.set_cell(i, "company", f"Company {i}")
        await asyncio.wait_for(idle(updater), 20)
        assert start - credits_svc.balance(sbx_ws).available == 2  # the cap, exactly
        assert enrich.auto_update_state(sbx_ws, leads).paused
        notices = updater.notices + [s.message for s in updater.summaries]
        assert any(
            "paused until tomorrow" in n and "daily cap of 2 credits" in n for n in notices
        ), notices
        # paused: a paid column does not run at all; a free one still does
        leads.set_cell(6, "company", "Other")
        leads.set_cell(6, "company_domain", "https://www.other.example")
        await asyncio.wait_for(idle(updater), 20)
        assert start - credits_svc.balance(sbx_ws).available == 2
        assert leads.row(6)["Domain"] == "other.example" and leads.row(6)["Pitch"] is None
        # the next day the cap is fresh
        clock.advance(days=1)
        assert not enrich.auto_update_state(sbx_ws, leads).paused
    finally:
        updater.detach()


async def test_the_tui_path_run_auto_update_respects_the_cap(sbx_ws, leads) -> None:
    """services.run_auto_update (what the TUI's run queue calls for auto-update batches)."""
    from dataclasses import replace

    import pytest

    sbx_ws.settings = replace(
        sbx_ws.settings, run=replace(sbx_ws.settings.run, auto_update_daily_cap=3)
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Pitch", action="ai_prompt", params={"prompt": "Hi {{company}}"}),
    )
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    start = credits_svc.balance(sbx_ws).available
    summary = await enrich.run_auto_update(sbx_ws, leads, "Pitch", (1, 2, 3, 4, 5))
    assert summary.credits == 3 and start - credits_svc.balance(sbx_ws).available == 3
    assert "paused until tomorrow" in summary.message
    with pytest.raises(enrich.AutoUpdatePaused, match="daily cap of 3 credits"):
        await enrich.run_auto_update(sbx_ws, leads, "Pitch", (6,))
    free = await enrich.run_auto_update(sbx_ws, leads, "Domain", (6,))
    assert free.counts.get("found") == 1
    assert enrich.auto_update_state(sbx_ws, leads).spent_today == 3


async def test_an_auto_update_re_run_after_an_input_change_is_no_double_charge(
    sbx_ws, leads
) -> None:
    """An input changed, so auto-update pays for the row again: `credits verify` must see the
    run as one that re-runs stored cells (it once read that only from the words '(forced)',
    which auto-update runs no longer carry)."""
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Site", action="ai_prompt", params={"prompt": "About {{company_domain}}"}),
    )
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        leads.set_cell(3, "company_domain", "first.example")
        await asyncio.wait_for(idle(updater), 20)
        leads.set_cell(3, "company_domain", "second.example")
        await asyncio.wait_for(idle(updater), 20)
    finally:
        updater.detach()
    assert not updater.errors
    assert [s.column for s in updater.summaries] == ["Site", "Site"]
    assert all(s.credits > 0 for s in updater.summaries)
    report = credits_svc.verify_credits(sbx_ws)
    assert report.ok, [p for c in report.checks for p in c.problems]
