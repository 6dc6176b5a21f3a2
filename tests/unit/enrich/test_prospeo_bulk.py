"""Prospeo's bulk-enrich-person in a run (issue 11): a waterfall stage on Prospeo sends up to 50
rows per request, and every row still settles on its own (own hold, own key, own charge)."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.providers import prospeo
from clay_tui.providers.loopback import LoopbackTransport
from clay_tui.providers.registry import Providers
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.states import CellState
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws

ROWS = 120
BULK_PATH = "path:POST /prospeo/bulk-enrich-person"
ONE_PATH = "path:POST /prospeo/enrich-person"
PRICE = 2  # providers.prospeo.credits.email_finder in the bundled config


def _column(ws, table) -> None:
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Work Email",
            action="find_work_email",
            providers=["prospeo"],
            validation="none",
            accept_catch_all=True,
            inputs={
                "first_name": "first_name",
                "last_name": "last_name",
                "domain": "company_domain",
                "company": "company",
            },
            outputs={"email": "Work Email", "provider": "Email Provider"},
        ),
    )


def _counts(server) -> tuple[int, int]:
    state = server.router.state
    return state.count(BULK_PATH), state.count(ONE_PATH)


async def _run(ws, table, providers=None, rows=None):
    return await enrich.run_column(
        ws,
        table,
        "Work Email",
        rows or enrich.RowSelection("first", limit=ROWS),
        providers=providers,
    )


def _cells(ws) -> dict[int, tuple[str, str | None, int]]:
    return {
        r["row_id"]: (r["status"], r["value"], r["credits"])
        for r in ws.db.execute("SELECT row_id, status, value, credits FROM cells")
    }


def _books_balance(ws) -> None:
    report = credits_svc.verify_credits(ws, repair=False)
    assert all(c.ok for c in report.checks), report.checks
    assert credits_svc.balance(ws).reserved == 0


def _open(tmp_path, clock, name: str, **overrides):
    ws = make_ws(tmp_path / name, clock, **overrides)
    return ws, tables.import_table(ws, SAMPLE_LEADS, name="leads")


async def test_120_rows_make_three_bulk_requests_charged_per_row(
    tmp_path, clock, sandbox_server, monkeypatch
):
    ws, table = _open(tmp_path, clock, "bulk")
    _column(ws, table)
    bulk0, one0 = _counts(sandbox_server)
    start = credits_svc.balance(ws).available
    summary = await _run(ws, table)
    bulk1, one1 = _counts(sandbox_server)
    assert bulk1 - bulk0 == math.ceil(ROWS / prospeo.BULK_MAX) == 3
    assert one1 - one0 == 0  # no row also went on its own
    cells = _cells(ws)
    assert len(cells) == ROWS and sum(summary.counts.values()) == ROWS
    found = [c for c in cells.values() if c[0] == CellState.FOUND]
    assert found and len(found) < ROWS  # the sandbox matches only a share: both kinds here
    for status, _value, credits in cells.values():  # a row's charge is its own result's
        assert credits == (PRICE if status == CellState.FOUND else 0)
    assert start - credits_svc.balance(ws).available == PRICE * len(found) == summary.credits
    _books_balance(ws)

    # the same rows one request each give the very same cells and charges
    monkeypatch.setattr(prospeo.EmailLookup, "bulk_size", 1)
    single_ws, single_table = _open(tmp_path, clock, "single")
    _column(single_ws, single_table)
    await _run(single_ws, single_table)
    assert _counts(sandbox_server)[0] == bulk1
    assert _cells(single_ws) == cells
    _books_balance(single_ws)
    ws.close()
    single_ws.close()


async def test_a_timed_out_bulk_request_is_never_retried_nor_charged(
    tmp_path, clock, sandbox_server
):
    """The first bulk POST hangs past timeout_s: its 50 rows are an unknown outcome (an
    error, released, not retried); the other requests' rows are charged as usual."""
    ws, table = _open(tmp_path, clock, "timeout", timeout_s=1)
    _column(ws, table)
    fault = {
        "X-Sandbox-Fault": "timeout",
        "X-Sandbox-Fault-Times": "1",
        "X-Sandbox-Fault-Id": f"bulk-timeout-{tmp_path.name}",
    }
    bulk0, one0 = _counts(sandbox_server)
    start = credits_svc.balance(ws).available
    async with Providers(ws.settings, headers=fault) as providers:
        summary = await _run(ws, table, providers)
    assert _counts(sandbox_server) == (bulk0 + 3, one0)  # nothing sent again
    cells = _cells(ws)
    errors = [c for c in cells.values() if c[0] == CellState.ERROR]
    assert len(errors) == prospeo.BULK_MAX and all(c[2] == 0 for c in errors)
    msgs = {r["error"] for r in ws.db.execute("SELECT error FROM cells WHERE status = 'error'")}
    assert len(msgs) == 1 and "not retried" in msgs.pop()
    found = [c for c in cells.values() if c[0] == CellState.FOUND]
    assert start - credits_svc.balance(ws).available == PRICE * len(found) == summary.credits
    _books_balance(ws)

    # re-running the failed rows ends as a fault-free run would
    await _run(ws, table, rows=enrich.RowSelection("failed"))
    assert not [c for c in _cells(ws).values() if c[0] == CellState.ERROR]
    _books_balance(ws)
    ws.close()


class _Garble(httpx.AsyncBaseTransport):
    """The sandbox, except that one record of each bulk answer comes back as garbage."""

    def __init__(self) -> None:
        self.inner = LoopbackTransport()
        self.garbled: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/bulk-enrich-person"):
            return response
        body = json.loads(await response.aread())
        if body.get("matched"):
            body["matched"][0]["person"] = "<garbage>"
            self.garbled.append(str(body["matched"][0]["identifier"]))
        return httpx.Response(
            response.status_code, headers={"content-type": "application/json"}, json=body
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_one_rows_garbage_does_not_fail_the_others(tmp_path, clock, sandbox_server):
    ws, table = _open(tmp_path, clock, "garble")
    _column(ws, table)
    transport = _Garble()
    async with Providers(ws.settings, transport=transport) as providers:
        summary = await _run(ws, table, providers)
    assert len(transport.garbled) == 3  # one bad record in each of the 3 answers
    cells = _cells(ws)
    errors = [c for c in cells.values() if c[0] == CellState.ERROR]
    assert len(errors) == 3 and all(c[2] == 0 for c in errors)
    found = [c for c in cells.values() if c[0] == CellState.FOUND]
    assert len(found) > 3 and summary.credits == PRICE * len(found)
    _books_balance(ws)
    ws.close()


@pytest.mark.parametrize("rows", [1])
async def test_a_single_row_goes_on_its_own(tmp_path, clock, sandbox_server, rows):
    ws, table = _open(tmp_path, clock, "one")
    _column(ws, table)
    bulk0, one0 = _counts(sandbox_server)
    await _run(ws, table, rows=enrich.RowSelection("first", limit=rows))
    assert _counts(sandbox_server) == (bulk0, one0 + 1)
    ws.close()


async def test_bulk_answers_each_lookup_as_its_own_call_would(tmp_path, clock, sandbox_server):
    """In order, one result per lookup; lookups that differ in the request-wide
    only_verified_email go in separate requests."""
    ws, _table = _open(tmp_path, clock, "adapter")
    lookups = [
        prospeo.EmailLookup(first_name=f, last_name=last, company=c, only_verified_email=v)
        for f, last, c, v in [
            ("Ann", "Lee", "acme.com", False),
            ("Bob", "Ray", "globex.com", True),
            ("Cid", "Poe", "initech.com", False),
            ("Dee", "", "acme.com", False),  # no last name, no full name: missing input
        ]
    ]
    async with Providers(ws.settings) as providers:
        client = providers.client("prospeo")
        bulk0 = _counts(sandbox_server)[0]
        together = await prospeo.EmailLookup.bulk(client, lookups)
        assert _counts(sandbox_server)[0] - bulk0 == 2  # one per only_verified_email value
        alone = [await lookup(client) for lookup in lookups]
    assert [(r.outcome, r.data.get("email"), r.error_id) for r in together] == [
        (r.outcome, r.data.get("email"), r.error_id) for r in alone
    ]
    assert together[3].error_id == "missing_input"
    ws.close()
