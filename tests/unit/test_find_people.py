"""find-people: a lead list from a Prospeo search, in the sandbox, free of clay-tui credits."""

from __future__ import annotations

import asyncio

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import cli
from clay_tui.config import SandboxSettings
from clay_tui.errors import ClayError
from clay_tui.providers.prospeo_search import PersonSearch, SearchError, _ranges
from clay_tui.providers.registry import Providers
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services import find_people as svc
from clay_tui.services import tables
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

VP_SALES = PersonSearch(
    titles=("VP of Sales",), countries=("US",), industries=("SaaS",), sizes=("51-200",)
)


@pytest.fixture
def ws(sandbox_settings, clock):
    w = Workspace.open(sandbox_settings, clock)
    yield w
    w.close()


def ledger(ws) -> tuple[int, int]:
    return ws.db.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM ledger").fetchone()


async def build(ws, search, into, *, limit=None, stop=None, providers=None):
    async with svc.PeopleSearch(ws, search, limit=limit, providers=providers) as session:
        plan = await session.plan()
        seen: list[int] = []
        result = await session.build(
            plan, into, on_progress=lambda p: seen.append(p.pages_done), stop=stop
        )
        return plan, result, seen


def test_vp_of_sales_in_us_saas_51_200_builds_a_table_without_a_credit(ws) -> None:
    from clay_tui.credits.ledger import ledger_for

    ledger_for(ws).balance()  # the plan's grant is in before we look
    before = ledger(ws)
    plan, result, seen = asyncio.run(build(ws, VP_SALES, "vp_sales"))
    assert plan.total_count == 384 and plan.pages == 16
    assert "384 people match (sandbox): 16 page(s) of 25" in plan.sentence()
    assert result.created and result.added == 384 and result.pages == 16
    assert seen == list(range(1, 17))  # progress after every page
    assert ledger(ws) == before  # not one clay-tui credit
    table = tables.find_table(ws, "vp_sales")
    assert table.row_count == 384
    for column in ("Name", "Title", "Company", "Domain", "LinkedIn URL", "Location"):
        assert column in table.columns
    assert set(table.frame.get_column("Company Size").to_list()) == {"51-100", "101-200"}


def test_appending_dedupes_on_linkedin_url_and_keeps_the_tables_columns(ws) -> None:
    leads = tables.import_table(ws, SAMPLE_LEADS, name="leads")
    n = leads.row_count
    _, first, _ = asyncio.run(build(ws, VP_SALES, "leads", limit=60))
    assert (first.created, first.added, first.pages) == (False, 60, 3)
    leads = tables.find_table(ws, "leads")
    assert leads.row_count == n + 60
    assert "LinkedIn URL" not in leads.columns  # its own linkedin_url column took them
    assert leads.frame.get_column("linkedin_url").tail(60).null_count() == 0
    _, again, _ = asyncio.run(build(ws, VP_SALES, "leads", limit=80))
    assert (again.added, again.duplicates) == (20, 60)
    assert tables.find_table(ws, "leads").row_count == n + 80


def test_stop_keeps_the_pages_that_arrived(ws, sandbox_settings, clock) -> None:
    pages: list[int] = []

    async def run():
        async with svc.PeopleSearch(ws, VP_SALES) as session:
            plan = await session.plan()
            return await session.build(
                plan,
                "stopped",
                on_progress=lambda p: pages.append(p.pages_done),
                stop=lambda: len(pages) >= 3,
            )

    result = asyncio.run(run())
    assert result.stopped and result.pages == 3 and result.added == 75
    assert "Stopped: the pages that arrived are kept." in result.lines()
    ws.close()
    again = Workspace.open(sandbox_settings, clock)  # committed as they arrived
    try:
        assert tables.find_table(again, "stopped").row_count == 75
    finally:
        again.close()


def test_the_client_keeps_to_the_search_rate_limit(monkeypatch, sandbox_settings, ws) -> None:
    # A sandbox of its own, refusing over Prospeo's documented search limits (5/s on Pro):
    # paging 8 pages as fast as it may is never refused, because the pacer keeps to them.
    monkeypatch.setenv("CLAY_TUI_SANDBOX_RATE_LIMITS", "on")
    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    url = server.start()
    try:

        async def run():
            async with Providers(sandbox_settings, sandbox_url=url) as providers:
                out = await build(ws, VP_SALES, "paced", limit=200, providers=providers)
                return out, providers.client("prospeo")

        (_, result, _), client = asyncio.run(run())
    finally:
        server.stop()
    assert result.added == 200 and result.error is None
    assert client.throttled == 0 and client.calls == 8
    assert server.router.state.count("prospeo-search-pages:sandbox-key") == 8


def test_company_sizes_map_onto_prospeos_ranges() -> None:
    assert _ranges("51-200") == ["51-100", "101-200"]
    assert _ranges("1001+") == ["1001-2000", "2001-5000", "5001-10000", "10000+"]
    with pytest.raises(SearchError, match="does not line up"):
        _ranges("50-200")
    with pytest.raises(SearchError, match="at least one of"):
        PersonSearch().filters()
    f = VP_SALES.filters()
    assert f["person_location_search"] == {"include": ["United States"]}
    assert f["company_industry"] == {"include": ["Software Development"]}


def test_a_search_nobody_matches_or_prospeo_refuses_is_one_sentence(ws) -> None:
    nobody = PersonSearch(domains=("nosuchcompany.com",))
    with pytest.raises(ClayError, match="Nobody matches this search"):
        asyncio.run(build(ws, nobody, "x"))
    boss = PersonSearch(seniorities=("Boss",))
    with pytest.raises(ClayError) as err:
        asyncio.run(build(ws, boss, "x"))
    assert "does not accept this search" in str(err.value) and "`Boss`" in str(err.value)
    assert tables.list_tables(ws) == []  # nothing was created


def test_cli_find_people(tmp_path, sandbox_url) -> None:
    # the session's zero-latency sandbox (no other one left running for later tests)
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")
    args = ["--config", str(config), "--workspace", str(tmp_path / "ws"), "find-people"]
    run = CliRunner().invoke
    dry = run(cli, [*args, "--title", "VP of Sales", "--country", "US", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "people match" in dry.output and "no clay-tui credits" in dry.output
    built = run(
        cli,
        [*args, "--department", "Legal", "--seniority", "VP", "--country", "Spain"]
        + ["--limit", "30", "--into", "legal_vps"],
    )
    assert built.exit_code == 0, built.output
    assert "New table legal_vps: 30 people added from 2 page(s)" in built.output
    for bad, needle in (
        ([], "Say whom to find"),
        (["--company-size", "7-9", "--into", "t"], "does not line up"),
        (["--industry", "Knitting", "--into", "t"], "`Knitting` is not supported"),
        (["--country", "US"], "Name the table to build with --into"),
        (["--country", "US", "--limit", "0", "--into", "t"], "at least 1 person"),
    ):
        out = run(cli, [*args, *bad])
        assert out.exit_code == 2, (bad, out.output)
        assert needle in out.output and out.output.count("\n") == 1, out.output


def test_the_calculator_matches_the_run_estimate_on_the_searched_table(ws) -> None:
    from clay_tui.enrich.spec import ColumnSpec
    from clay_tui.services import calculator, enrich

    asyncio.run(build(ws, VP_SALES, "vp_sales", limit=100))
    table = tables.find_table(ws, "vp_sales")
    spec = ColumnSpec(
        name="Work Email",
        action="find_work_email",
        inputs={
            "first_name": "First Name",
            "last_name": "Last Name",
            "domain": "Domain",
            "company": "Company",
        },
    )
    enrich.add_column(ws, table, spec)
    est = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("all"))
    assert est.rows_to_run == 100 and est.capped_by is None
    calc = calculator.calculate(
        ws, 100, calculator.resolve_specs(ws, ["Work Email"], None, table), table
    )
    assert (calc.max_credits, calc.expected_credits) == (est.max_credits, est.expected_credits)
