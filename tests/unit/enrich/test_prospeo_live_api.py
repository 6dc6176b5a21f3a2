"""Prospeo's current API through a whole column: UNVERIFIED emails follow the catch-all rule."""

from __future__ import annotations

import pytest

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.sandbox import data
from clay_tui.services import enrich


@pytest.mark.parametrize("accept", [False, True])
async def test_unverified_prospeo_email_is_not_safe_to_send(sbx_ws, leads, accept):
    """Without a verifier step, an email Prospeo could not verify is kept only when the
    column accepts catch-all (like the old CATCH_ALL status)."""
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(
            name="E",
            action="find_work_email",
            providers=["prospeo"],
            validation="none",
            inputs={
                "first_name": "first_name",
                "last_name": "last_name",
                "domain": "company_domain",
                "company": "company",
            },
            accept_catch_all=accept,
            outputs={"email": "E", "status": "E status"},
        ),
    )
    await enrich.run_column(sbx_ws, leads, "E", enrich.RowSelection("all"))
    frame = leads.frame
    unverified = [
        row
        for row in frame.iter_rows(named=True)
        if row["company_domain"]
        and data.provider_hit(
            "prospeo", data.person(row["first_name"], row["last_name"], None, row["company_domain"])
        )
        and data.is_catch_all(data.company_domain(row["company_domain"]) or "")
    ]
    assert unverified, "the sample leads have a catch-all domain Prospeo finds"
    statuses = set(frame.get_column("E status").drop_nulls().to_list())
    assert ("UNVERIFIED" in statuses) is accept
    assert "VERIFIED" in statuses


async def test_hunter_plan_used_up_stops_hunter_and_the_waterfall_goes_on(tmp_path, clock):
    """Hunter answers 429 (its plan's usage limit, as its docs say) for every call: Hunter is
    asked once and no more, and every row still gets Prospeo's answer."""
    from clay_tui.config import parse_settings
    from clay_tui.services import tables
    from clay_tui.workspace import Workspace
    from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

    raw = sandbox_raw_config()
    raw["providers"]["hunter"]["concurrency"] = 2
    raw["sandbox"]["faults"] = {"hunter": {"quota_exhausted": 1.0}}
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    try:
        leads = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        enrich.add_column(
            ws,
            leads,
            ColumnSpec(
                name="E",
                action="find_work_email",
                providers=["hunter", "prospeo"],
                validation="none",
                accept_catch_all=True,
                inputs={
                    "first_name": "first_name",
                    "last_name": "last_name",
                    "domain": "company_domain",
                    "company": "company",
                },
                outputs={"email": "E", "provider": "E provider"},
            ),
        )
        summary = await enrich.run_column(ws, leads, "E", enrich.RowSelection("first", limit=20))
        from clay_tui.sandbox.server import _key, _shared, ensure_sandbox

        ensure_sandbox(ws.settings)
        state = _shared[_key(ws.settings.sandbox)].router.state
        # only the calls already in flight when the first 429 came back (concurrency 2)
        assert state.count("path:GET /hunter/v2/email-finder") <= 2
        assert summary.counts.get("found", 0) > 0, summary.counts
        providers = set(leads.frame.get_column("E provider").drop_nulls().to_list())
        assert providers == {"prospeo"}
    finally:
        ws.close()
