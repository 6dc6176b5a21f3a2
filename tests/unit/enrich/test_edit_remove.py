"""Editing and removing enrichment columns: specs, outputs, cells, undo, ledger history."""

from __future__ import annotations

import json
import sqlite3

import pytest

from clay_tui.credits.verify import verify
from clay_tui.enrich import store
from clay_tui.enrich.reconcile import LIVE_RUNS
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ColumnSpecError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace

EMAIL = ColumnSpec(
    name="Work Email",
    action="find_work_email",
    inputs={
        "first_name": "first_name",
        "last_name": "last_name",
        "domain": "company_domain",
        "company": "company",
    },
    outputs={"email": "Work Email", "provider": "Email Provider", "status": "Email Status"},
)
OUTPUTS = ["Work Email", "Email Provider", "Email Status"]


def email_spec() -> ColumnSpec:
    return ColumnSpec.from_dict(EMAIL.to_dict())


async def paid_email_column(ws, table) -> ColumnSpec:
    spec = enrich.add_column(ws, table, email_spec())
    summary = await enrich.run_column(
        ws, table, "Work Email", enrich.RowSelection("first", limit=15)
    )
    assert summary.credits > 0
    return spec


async def test_remove_keeps_ledger_and_report_names(sbx_ws, leads):
    spec = await paid_email_column(sbx_ws, leads)
    entries = sbx_ws.db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
    available = credits_svc.balance(sbx_ws).available
    before = {r.label: r.spent for r in credits_svc.usage_report(sbx_ws, "column").rows}

    enrich.remove_column(sbx_ws, leads, "Work Email")

    assert not set(OUTPUTS) & set(leads.columns)
    assert enrich.list_columns(sbx_ws, leads) == []
    with pytest.raises(ColumnSpecError, match="no enrichment column 'Work Email'"):
        enrich.get_column(sbx_ws, leads, "Work Email")
    assert (
        sbx_ws.db.execute("SELECT COUNT(*) FROM cells WHERE column_id = ?", (spec.id,)).fetchone()[
            0
        ]
        == 0
    )
    # the ledger is untouched: same entries, same balance
    assert sbx_ws.db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0] == entries
    assert credits_svc.balance(sbx_ws).available == available
    after = {r.label: r.spent for r in credits_svc.usage_report(sbx_ws, "column").rows}
    assert after == before and "leads / Work Email" in after
    runs = credits_svc.usage_report(sbx_ws, "run").rows
    assert any("Work Email" in r.label for r in runs)
    report = credits_svc.verify_credits(sbx_ws, repair=False)
    assert report.ok, report.checks


async def test_verify_still_catches_missing_results_of_live_columns(sbx_ws, leads):
    spec = await paid_email_column(sbx_ws, leads)
    sbx_ws.db.execute("DELETE FROM cells WHERE column_id = ?", (spec.id,))
    report = verify(credits_svc.ledger_for(sbx_ws), repair=False)
    check = next(c for c in report.checks if c.name == "every charge has its stored result")
    assert not check.ok and "without a stored result" in check.detail


async def test_same_name_can_be_added_again_after_removal(sbx_ws, leads):
    old = await paid_email_column(sbx_ws, leads)
    enrich.remove_column(sbx_ws, leads, "Work Email")
    new = enrich.add_column(sbx_ws, leads, email_spec())
    assert new.id != old.id and [c.name for c in enrich.list_columns(sbx_ws, leads)] == [
        "Work Email"
    ]
    assert leads.frame.get_column("Work Email").null_count() == leads.row_count
    labels = [r.label for r in credits_svc.usage_report(sbx_ws, "column").rows]
    assert labels == ["leads / Work Email"]  # the old column's spend, by its last name
    with pytest.raises(ColumnSpecError, match="already has an enrichment column"):
        enrich.add_column(sbx_ws, leads, email_spec())


def test_removed_outputs_stay_gone_after_undo_and_reopen(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, email_spec())
    leads.set_cell(leads.frame.get_column("_row_id")[0], "first_name", "Zed")
    enrich.remove_column(sbx_ws, leads, "Work Email")
    assert leads.undo() is not None  # the user's own edit is undone ...
    assert leads.frame.get_column("first_name")[0] != "Zed"
    assert leads.undo() is None  # ... and nothing brings the outputs back
    assert not set(OUTPUTS) & set(leads.columns)
    leads.save()
    again = LeadTable(sbx_ws, leads.id)  # a fresh handle: snapshot + journal replay
    assert not set(OUTPUTS) & set(again.columns)


def test_remove_refuses_while_a_run_is_live(sbx_ws, leads):
    import os

    spec = enrich.add_column(sbx_ws, leads, email_spec())
    cur = sbx_ws.db.execute(
        "INSERT INTO runs (table_id, column_id, status, pid) VALUES (?, ?, 'running', ?)",
        (leads.id, spec.id, os.getpid()),
    )
    LIVE_RUNS.add(cur.lastrowid)
    try:
        with pytest.raises(ColumnSpecError, match="is running; stop its run"):
            enrich.remove_column(sbx_ws, leads, "Work Email")
        with pytest.raises(ColumnSpecError, match="is running"):
            enrich.update_column(sbx_ws, leads, "Work Email", auto_update=False)
    finally:
        LIVE_RUNS.discard(cur.lastrowid)
    # the run is gone (not live in this process): reconciled, then removal goes ahead
    enrich.remove_column(sbx_ws, leads, "Work Email")
    status = sbx_ws.db.execute("SELECT status FROM runs WHERE id = ?", (cur.lastrowid,)).fetchone()[
        0
    ]
    assert status == "interrupted"


def test_remove_refuses_when_another_column_reads_it(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, email_spec())
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Verified", action="verify_email", inputs={"email": "Work Email"}),
    )
    with pytest.raises(ColumnSpecError, match="Column Verified reads 'Work Email'"):
        enrich.remove_column(sbx_ws, leads, "Work Email")
    with pytest.raises(ColumnSpecError, match="Column Verified reads 'Work Email'"):
        enrich.update_column(sbx_ws, leads, "Work Email", new_name="Email 2")
    enrich.remove_column(sbx_ws, leads, "Verified")
    enrich.remove_column(sbx_ws, leads, "Work Email")


async def test_update_condition_limit_auto_and_rename(sbx_ws, leads):
    spec = await paid_email_column(sbx_ws, leads)
    found_before = leads.frame.get_column("Work Email").drop_nulls().to_list()
    edited = enrich.update_column(
        sbx_ws,
        leads,
        "Work Email",
        condition="company IS NOT NULL",
        auto_update=False,
        spend_limit=50,
        new_name="Email",
    )
    assert (edited.name, edited.condition, edited.auto_update, edited.spend_limit) == (
        "Email",
        "company IS NOT NULL",
        False,
        50,
    )
    assert edited.outputs == {
        "email": "Email",
        "provider": "Email Provider",
        "status": "Email Status",
    }
    stored = enrich.get_column(sbx_ws, leads, "Email")
    assert stored.id == spec.id and stored.to_dict() == edited.to_dict()
    assert "Work Email" not in leads.columns
    assert leads.frame.get_column("Email").drop_nulls().to_list() == found_before
    assert leads.undo() is None  # the rename is not the user's to undo
    # stored results follow the column (by id), and reports show the new name
    assert enrich.cell_statuses(sbx_ws, leads, "Email")
    labels = [r.label for r in credits_svc.usage_report(sbx_ws, "column").rows]
    assert labels == ["leads / Email"]
    # None clears; an omitted argument stays
    cleared = enrich.update_column(sbx_ws, leads, "Email", condition=None, spend_limit=None)
    assert cleared.condition is None and cleared.spend_limit is None
    assert cleared.auto_update is False and cleared.name == "Email"
    blank = enrich.update_column(sbx_ws, leads, "Email", condition="  ")
    assert blank.condition is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"condition": "no_such_column > 1"}, "condition"),
        ({"condition": "first_name"}, "is not a condition"),
        ({"spend_limit": -5}, "must not be negative"),
        ({"new_name": "company"}, "already has a column named 'company'"),
        ({"new_name": "Email Status"}, "already has a column named 'Email Status'"),
        ({"new_name": "  "}, "needs a name"),
    ],
)
def test_update_rejects_bad_edits_and_changes_nothing(sbx_ws, leads, changes, message):
    enrich.add_column(sbx_ws, leads, email_spec())
    before = enrich.get_column(sbx_ws, leads, "Work Email").to_dict()
    columns = list(leads.columns)
    with pytest.raises(ColumnSpecError, match=message) as info:
        enrich.update_column(sbx_ws, leads, "Work Email", **changes)
    text = str(info.value)
    assert text.endswith(".") and "\n" not in text
    assert enrich.get_column(sbx_ws, leads, "Work Email").to_dict() == before
    assert leads.columns == columns


def test_unknown_column_is_one_sentence(sbx_ws, leads):
    with pytest.raises(ColumnSpecError, match="has no enrichment column 'Nope'"):
        enrich.remove_column(sbx_ws, leads, "Nope")
    with pytest.raises(ColumnSpecError, match="has no enrichment column 'Nope'"):
        enrich.update_column(sbx_ws, leads, "Nope", auto_update=True)


def test_old_workspace_schema_is_migrated(tmp_path, settings, clock):
    """A workspace made with UNIQUE(table_id, name) and no removed_at gets both fixed."""
    settings.workspace.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(settings.workspace / "workspace.db")
    db.execute(
        "CREATE TABLE enrich_columns (id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL,"
        " name TEXT NOT NULL, kind TEXT NOT NULL, spec TEXT NOT NULL, auto_update INTEGER"
        " NOT NULL DEFAULT 1, created_at TEXT, UNIQUE(table_id, name))"
    )
    db.execute(
        "INSERT INTO enrich_columns VALUES (7, 1, 'Old', 'cleaning', ?, 1, 'x')",
        (json.dumps({"name": "Old", "action": "normalize_phone"}),),
    )
    db.commit()
    db.close()
    ws = Workspace.open(settings, clock)
    try:
        store.ensure(ws)
        cols = {r[1] for r in ws.db.execute("PRAGMA table_info(enrich_columns)")}
        assert "removed_at" in cols
        ws.db.execute("UPDATE enrich_columns SET removed_at = 'y' WHERE id = 7")
        ws.db.execute(
            "INSERT INTO enrich_columns (table_id, name, kind, spec) VALUES"
            " (1, 'Old', 'cleaning', '{}')"
        )
        with pytest.raises(sqlite3.IntegrityError):
            ws.db.execute(
                "INSERT INTO enrich_columns (table_id, name, kind, spec) VALUES"
                " (1, 'Old', 'cleaning', '{}')"
            )
        assert ws.db.execute("SELECT name FROM enrich_columns WHERE id = 7").fetchone()[0] == "Old"
    finally:
        ws.close()
