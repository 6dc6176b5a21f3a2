"""Every action end to end against the bundled sandbox (real adapters, real HTTP)."""

from __future__ import annotations

import time

import pytest

from clay_tui.config import parse_settings
from clay_tui.enrich import store
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

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


def ledger_matches_cells(ws, table, column: str) -> None:
    spec = enrich.get_column(ws, table, column)
    stored = ws.db.execute(
        "SELECT COALESCE(SUM(credits), 0) FROM cells WHERE column_id = ?", (spec.id,)
    ).fetchone()[0]
    info = enrich.run_info(ws, table, column)
    assert info.credits_spent == stored
    report = credits_svc.verify_credits(ws, repair=False)
    assert all(c.ok for c in report.checks), report.checks


async def test_find_work_email_waterfall_beats_each_provider(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, EMAIL)
    for name, providers in (("Prospeo only", ["prospeo"]), ("Hunter only", ["hunter"])):
        enrich.add_column(
            sbx_ws,
            leads,
            ColumnSpec(
                name=name, action="find_work_email", inputs=dict(EMAIL.inputs), providers=providers
            ),
        )
    start = credits_svc.balance(sbx_ws).available
    both = await enrich.run_column(sbx_ws, leads, "Work Email", enrich.RowSelection("all"))
    one = await enrich.run_column(sbx_ws, leads, "Prospeo only", enrich.RowSelection("all"))
    other = await enrich.run_column(sbx_ws, leads, "Hunter only", enrich.RowSelection("all"))
    assert both.counts["found"] > max(one.counts["found"], other.counts["found"])
    assert both.sandbox and both.refunded > 0
    spent = start - credits_svc.balance(sbx_ws).available
    assert spent == both.credits + one.credits + other.credits
    for column in ("Work Email", "Prospeo only", "Hunter only"):
        ledger_matches_cells(sbx_ws, leads, column)
    emails = [e for e in leads.frame.get_column("Work Email").to_list() if e]
    assert len(emails) == both.counts["found"] and all("@" in e for e in emails)
    info = enrich.run_info(sbx_ws, leads, "Work Email")
    assert info.per_provider and sum(info.per_provider.values()) == info.credits_spent
    assert info.percent_run == 100.0 and info.sandbox


async def test_same_person_same_email_across_runs(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, EMAIL)
    await enrich.run_column(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=20))
    first = leads.frame.get_column("Work Email").head(20).to_list()
    await enrich.run_column(
        sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=20, force=True)
    )
    assert leads.frame.get_column("Work Email").head(20).to_list() == first


async def test_other_paid_actions(sbx_ws, leads):
    specs = [
        ColumnSpec(name="Verified", action="verify_email", inputs={"email": "email"}),
        ColumnSpec(
            name="Mobile",
            action="find_mobile",
            inputs={"linkedin_url": "linkedin_url"},
            validation="mobile_only",
        ),
        ColumnSpec(
            name="Person",
            action="enrich_person",
            inputs={
                "linkedin_url": "linkedin_url",
                "first_name": "first_name",
                "last_name": "last_name",
                "company_website": "company_domain",
            },
            outputs={"job_title": "Person", "company": "Person Company"},
        ),
        ColumnSpec(
            name="Pitch",
            action="ai_prompt",
            required=["title"],
            params={"prompt": "Why would a {{title}} at {{company}} care?", "model": "gpt-4o"},
        ),
    ]
    for s in specs:
        enrich.add_column(sbx_ws, leads, s)
    for s in specs:
        summary = await enrich.run_column(
            sbx_ws,
            leads,
            s.name,  # rows 1-30, whatever state
            enrich.RowSelection("ids", ids=tuple(range(1, 31))),
        )
        assert sum(summary.counts.values()) == 30, (s.name, summary.counts)
        assert summary.counts.get("error", 0) == 0, (s.name, summary.counts)
        ledger_matches_cells(sbx_ws, leads, s.name)
    pitch = enrich.run_info(sbx_ws, leads, "Pitch")
    assert pitch.credits_spent == 3 * pitch.hits  # gpt-4o costs 3 per call in config.toml
    verified = enrich.run_info(sbx_ws, leads, "Verified")
    assert verified.missing_input > 0  # rows without an email never call Hunter


async def test_free_actions_cost_nothing(sbx_ws, leads, tmp_path):
    start = credits_svc.balance(sbx_ws).available
    url = enrich.RowSelection("all")
    for s in enrich.load_recipe(__import__("pathlib").Path("sample_tables/recipes/cleaning.toml")):
        enrich.add_column(sbx_ws, leads, s)
    from clay_tui.sandbox.server import ensure_sandbox

    base = ensure_sandbox(sbx_ws.settings)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(
            name="Echo",
            action="http_call",
            params={
                "url": base + "/http/echo/{{company}}?d={{company_domain}}",
                "method": "POST",
                "body": {"who": "{{first_name}}"},
                "json_path": "json.who",
            },
        ),
    )
    results = {
        s: await enrich.run_column(sbx_ws, leads, s, url)
        for s in ("Domain", "Phone E164", "Email Syntax", "Big Company", "Echo")
    }
    assert credits_svc.balance(sbx_ws).available == start
    assert results["Domain"].counts == {"found": 200}
    assert leads.row(1)["Domain"] == "brightlinefoods.fr"
    assert results["Big Company"].counts["found"] == 194
    assert leads.row(1)["Big Company"] in ("false", "False")
    assert results["Echo"].counts == {"found": 200}
    assert leads.row(1)["Echo"] == leads.row(1)["first_name"]
    # "(555) 751-9679" is not a real number: status invalid, no value written
    assert results["Phone E164"].counts["invalid"] > 0
    assert leads.row(1)["Phone E164"] is None


async def test_provider_faults_are_errors_not_charges(tmp_path, clock, sandbox_url):
    raw = sandbox_raw_config(max_retries=0)
    raw["sandbox"]["faults"] = {"prospeo": {"server_error_500": 1.0}}
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    enrich.add_column(ws, table, EMAIL)
    table.save()
    start = credits_svc.balance(ws).available
    summary = await enrich.run_column(
        ws, table, "Work Email", enrich.RowSelection("first", limit=20)
    )
    # Prospeo fails for now: every cell is an error that costs nothing, and Hunter is not
    # asked out of order (the waterfall's order is kept for the retry)
    assert summary.counts == {"error": 20}
    assert summary.credits == 0 and credits_svc.balance(ws).available == start
    info = enrich.run_info(ws, table, "Work Email")
    assert info.per_provider == {} or set(info.per_provider.values()) == {0}
    assert any("prospeo" in e for e in info.recent_errors)
    ledger_matches_cells(ws, table, "Work Email")
    ws.close()
    # the outage is over: re-running the failed cells finds what a fault-free run finds
    ws = Workspace.open(parse_settings(sandbox_raw_config(), "<test>", tmp_path / "ws"), clock)
    table = tables.open_table(ws, "leads")
    again = await enrich.run_column(ws, table, "Work Email", enrich.RowSelection("failed"))
    assert again.counts.get("found", 0) > 0 and "error" not in again.counts
    assert start - credits_svc.balance(ws).available == again.credits
    ledger_matches_cells(ws, table, "Work Email")
    ws.close()


async def test_bad_key_stops_calls_to_that_provider(tmp_path, clock, sandbox_url, monkeypatch):
    raw = sandbox_raw_config()
    raw["providers"]["prospeo"].update(
        mode="live", base_url=sandbox_url + "/prospeo", api_key_env="PROSPEO_API_KEY"
    )
    monkeypatch.setenv("PROSPEO_API_KEY", "wrong-key")
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    enrich.add_column(ws, table, EMAIL)
    summary = await enrich.run_column(
        ws, table, "Work Email", enrich.RowSelection("first", limit=30)
    )
    assert summary.counts.get("found", 0) > 0  # Hunter took over
    assert "prospeo" not in enrich.run_info(ws, table, "Work Email").per_provider
    ws.close()


async def test_rate_limit_kept_within_ten_percent(tmp_path, clock, sandbox_url):
    """Hunter configured at 40/s: its verifier still keeps to its own documented 10/s."""
    raw = sandbox_raw_config()
    raw["providers"]["hunter"].update(rate_per_second=40.0, concurrency=10)
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Verified",
            action="verify_email",
            providers=["hunter"],  # Hunter's own limit (the default asks 3 verifiers in turn)
            inputs={"email": "first_name"},
        ),
    )
    t0 = time.perf_counter()
    summary = await enrich.run_column(ws, table, "Verified", enrich.RowSelection("first", limit=20))
    elapsed = time.perf_counter() - t0
    assert sum(summary.counts.values()) == 20
    rate = 19 / elapsed  # 20 calls: 19 intervals
    assert rate <= 10 * 1.1, rate
    assert rate >= 10 * 0.8, rate
    ws.close()


@pytest.mark.parametrize("accept", [False, True])
async def test_catch_all_rule_on_the_sandbox(sbx_ws, leads, accept):
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(
            name="E",
            action="find_work_email",
            inputs=dict(EMAIL.inputs),
            accept_catch_all=accept,
            outputs={"email": "E", "status": "E status"},
        ),
    )
    await enrich.run_column(sbx_ws, leads, "E", enrich.RowSelection("all"))
    statuses = set(leads.frame.get_column("E status").drop_nulls().to_list())
    assert ("accept_all" in statuses) is accept


async def test_half_a_name_is_missing_input_not_an_error(sbx_ws, leads):
    leads.set_cell(1, "last_name", None)
    enrich.add_column(sbx_ws, leads, EMAIL)
    summary = await enrich.run_column(
        sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=1)
    )
    assert summary.counts == {"missing input": 1} and summary.credits == 0


async def test_stopped_verifier_releases_the_hold_reserved_with_the_finder(
    tmp_path, clock, sandbox_url, monkeypatch
):
    """Hunter's key is bad: once its client is stopped, a verifier hold reserved together with a
    Prospeo finder step must still be settled by the run, not left open for a later reconcile."""
    raw = sandbox_raw_config()
    raw["providers"]["hunter"].update(
        mode="live", base_url=sandbox_url + "/hunter", api_key_env="HUNTER_API_KEY"
    )
    monkeypatch.setenv("HUNTER_API_KEY", "wrong-key")
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    enrich.add_column(ws, table, EMAIL)
    summary = await enrich.run_column(
        ws, table, "Work Email", enrich.RowSelection("first", limit=30)
    )
    assert summary.counts.get("error", 0) > 1
    assert credits_svc.balance(ws).reserved == 0
    open_attempts = ws.db.execute(
        "SELECT COUNT(*) FROM attempts WHERE state = 'started'"
    ).fetchone()[0]
    assert open_attempts == 0
    ledger_matches_cells(ws, table, "Work Email")
    ws.close()


async def test_forced_rerun_that_cannot_run_keeps_the_paid_results(sbx_ws, leads):
    """A forced re-run refused by its credit cap (or stopped) makes no call: the results the
    user already paid for stay stored, in the cells and in the table."""
    enrich.add_column(sbx_ws, leads, EMAIL)
    first = await enrich.run_column(
        sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=10)
    )
    assert first.counts["found"] > 0
    spec = enrich.get_column(sbx_ws, leads, "Work Email")
    before = {
        r: (c["status"], c["value"]) for r, c in store.cell_rows(sbx_ws, leads.id, spec.id).items()
    }
    emails = leads.frame.get_column("Work Email").head(10).to_list()
    again = await enrich.run_column(
        sbx_ws,
        leads,
        "Work Email",
        enrich.RowSelection("first", limit=10, force=True),
        max_credits=0,
    )
    assert again.counts.get("spend limit", 0) > 0 and again.credits == 0
    after = {
        r: (c["status"], c["value"]) for r, c in store.cell_rows(sbx_ws, leads.id, spec.id).items()
    }
    for rid, (status, value) in before.items():
        if status == "found":
            assert after[rid] == (status, value)
    assert leads.frame.get_column("Work Email").head(10).to_list() == emails
    ledger_matches_cells(sbx_ws, leads, "Work Email")


async def test_charge_on_no_data_charges_calls_that_find_nothing(tmp_path, clock, sandbox_url):
    """providers.<name>.charge_on_no_data (Clearbit-style): a call that finds nothing is
    charged too, and its no-data cell carries the charge."""
    raw = sandbox_raw_config()
    raw["providers"]["prospeo"]["charge_on_no_data"] = True
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    spec = enrich.add_column(
        ws,
        table,
        ColumnSpec(name="Mobile", action="find_mobile", inputs={"linkedin_url": "linkedin_url"}),
    )
    start = credits_svc.balance(ws).available
    summary = await enrich.run_column(ws, table, "Mobile", enrich.RowSelection("first", limit=30))
    cost = ws.settings.providers["prospeo"].credits_for("mobile_finder")
    called = summary.counts.get("found", 0) + summary.counts.get("no data", 0)
    assert summary.counts.get("no data", 0) > 0
    # every row pays Prospeo (found or not); what Prospeo did not find goes on to the default
    # waterfall's second finder, LeadMagic, which charges only what it finds
    cells = store.cell_rows(ws, table.id, spec.id).values()
    by_leadmagic = sum(1 for c in cells if c["provider"] == "leadmagic" and c["status"] == "found")
    assert by_leadmagic > 0
    second = ws.settings.providers["leadmagic"].credits_for("mobile_finder")
    assert summary.credits == cost * called + second * by_leadmagic
    assert start - credits_svc.balance(ws).available == summary.credits
    ledger_matches_cells(ws, table, "Mobile")
    ws.close()
