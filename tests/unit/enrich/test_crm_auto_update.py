"""With auto-update on, a row whose mapped columns change pushes itself to HubSpot again (the
mapped properties are inputs of the column), and a mapping to a missing column is refused."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError
from clay_tui.sandbox import hubspot_api
from clay_tui.services import enrich, tables
from tests.unit.enrich.test_auto_update_triggers import idle

PUSH = ColumnSpec(
    name="HubSpot",
    action="send_to_crm",
    inputs={"email": "email", "company_domain": "company_domain"},
    params={"properties": {"firstname": "first_name", "jobtitle": "title"}},
    outputs={"record_id": "HubSpot", "result": "HubSpot Result"},
)


def portal_contact(email: str) -> dict:
    db = sqlite3.connect(hubspot_api.portal_path())
    try:
        row = db.execute("SELECT properties FROM contacts WHERE email = ?", (email,)).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row else {}


async def test_an_edited_mapped_column_pushes_the_row_again(sbx_ws, leads) -> None:
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(sbx_ws, leads, PUSH)
    rid = next(r["_row_id"] for r in leads.frame.iter_rows(named=True) if r["email"])
    email = str(leads.row(rid)["email"]).lower()
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        leads.set_cell(rid, "first_name", "Ada")
        await asyncio.wait_for(idle(updater), 20)
        assert portal_contact(email)["firstname"] == "Ada"
        first = leads.row(rid)["HubSpot"]
        leads.set_cell(rid, "first_name", "Grace")
        await asyncio.wait_for(idle(updater), 20)
    finally:
        updater.detach()
    assert not updater.errors
    assert portal_contact(email)["firstname"] == "Grace"
    assert leads.row(rid)["HubSpot"] == first  # the same record, updated
    assert leads.row(rid)["HubSpot Result"] == "updated"


def test_a_mapping_to_a_missing_column_is_refused(sbx_ws, leads) -> None:
    bad = ColumnSpec(
        name="HubSpot",
        action="send_to_crm",
        inputs={"email": "email"},
        params={"properties": {"firstname": "no_such_column"}},
    )
    with pytest.raises(ClayError, match="no_such_column"):
        enrich.add_column(sbx_ws, leads, bad)
