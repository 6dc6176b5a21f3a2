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
    enrich.add_column(sbx_ws, leads, ColumnSpec(
        name="E", action="find_work_email", providers=["prospeo"], validation="none",
        inputs={"first_name": "first_name", "last_name": "last_name",
                "domain": "company_domain", "company": "company"},
        accept_catch_all=accept, outputs={"email": "E", "status": "E status"}))
    await enrich.run_column(sbx_ws, leads, "E", enrich.RowSelection("all"))
    frame = leads.frame
    unverified = [
        row for row in frame.iter_rows(named=True)
        if row["company_domain"] and data.provider_hit("prospeo", data.person(
            row["first_name"], row["last_name"], None, row["company_domain"]))
        and data.is_catch_all(data.company_domain(row["company_domain"]) or "")]
    assert unverified, "the sample leads have a catch-all domain Prospeo finds"
    statuses = set(frame.get_column("E status").drop_nulls().to_list())
    assert ("UNVERIFIED" in statuses) is accept
    assert "VERIFIED" in statuses
