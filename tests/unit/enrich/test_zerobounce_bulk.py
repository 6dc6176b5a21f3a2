"""ZeroBounce's batch validator in a run (issue 11): a manifest-declared bulk endpoint.

Rows waiting on the ZeroBounce pool go together, up to the manifest's ``max_records`` (200)
per POST /v2/validatebatch; every row still settles on its own result (own hold, own key,
own charge), exactly as it would one GET /v2/validate each."""

from __future__ import annotations

import csv
import json
import math

import httpx

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.manifests import builtin_manifests
from clay_tui.providers import dispatch
from clay_tui.providers.generic_bulk import Lookup
from clay_tui.providers.registry import Providers
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.states import CellState
from tests.unit.enrich.conftest import make_ws

ROWS = 250
BULK_PATH = "path:POST /zerobounce/v2/validatebatch"
ONE_PATH = "path:GET /zerobounce/v2/validate"
EP = builtin_manifests()["zerobounce"].endpoint("email_verifier")
assert EP is not None and EP.bulk is not None
PRICE = EP.credits
MAX = EP.bulk.max_records


def _csv(tmp_path) -> str:
    path = tmp_path / "emails.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["first_name", "email"])
        for i in range(ROWS):
            w.writerow([f"P{i}", f"person.{i}@company{i % 37}.com"])
    return str(path)


def _open(tmp_path, clock, name: str, **overrides):
    ws = make_ws(tmp_path / name, clock, **overrides)
    table = tables.import_table(ws, _csv(tmp_path), name="emails")
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Checked",
            action="verify_email",
            providers=["zerobounce"],
            inputs={"email": "email"},
        ),
    )
    return ws, table


async def _run(ws, table, providers=None):
    return await enrich.run_column(
        ws, table, "Checked", enrich.RowSelection("first", limit=ROWS), providers=providers
    )


def _counts(server) -> tuple[int, int]:
    state = server.router.state
    return state.count(BULK_PATH), state.count(ONE_PATH)


def _cells(ws) -> dict[int, tuple[str, str | None, int]]:
    return {
        r["row_id"]: (r["status"], r["value"], r["credits"])
        for r in ws.db.execute("SELECT row_id, status, value, credits FROM cells")
    }


def _books_balance(ws) -> None:
    report = credits_svc.verify_credits(ws, repair=False)
    assert all(c.ok for c in report.checks), report.checks
    assert credits_svc.balance(ws).reserved == 0


async def test_250_rows_make_two_batch_requests_with_the_cells_and_charges_of_single_calls(
    tmp_path, clock, sandbox_server, monkeypatch
):
    ws, table = _open(tmp_path, clock, "bulk")
    bulk0, one0 = _counts(sandbox_server)
    start = credits_svc.balance(ws).available
    summary = await _run(ws, table)
    bulk1, one1 = _counts(sandbox_server)
    assert bulk1 - bulk0 == math.ceil(ROWS / MAX) == 2
    assert one1 - one0 == 0
    cells = _cells(ws)
    assert len(cells) == ROWS
    states = {c[0] for c in cells.values()}
    assert CellState.FOUND in states and CellState.NO_DATA in states  # "unknown" is free
    for status, _value, credits in cells.values():
        assert credits == (PRICE if status == CellState.FOUND else 0)
    found = sum(c[0] == CellState.FOUND for c in cells.values())
    assert start - credits_svc.balance(ws).available == PRICE * found == summary.credits
    _books_balance(ws)

    # one GET /v2/validate per row: the very same cells and charges
    monkeypatch.setattr(dispatch, "Lookup", lambda op, values, size: Lookup(op, values, 1))
    single_ws, single_table = _open(tmp_path, clock, "single")
    await _run(single_ws, single_table)
    assert _counts(sandbox_server) == (bulk1, one1 + ROWS)
    assert _cells(single_ws) == cells
    _books_balance(single_ws)
    ws.close()
    single_ws.close()


class _OneError(httpx.AsyncBaseTransport):
    """The sandbox, except that each batch answer moves its first record to "errors"."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.moved: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/v2/validatebatch"):
            return response
        body = json.loads(await response.aread())
        first = body["email_batch"].pop(0)
        body["errors"].append({"error": "Invalid email address", "email_address": first["address"]})
        self.moved.append(first["address"])
        return httpx.Response(response.status_code, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_record_in_errors_is_that_rows_error_and_costs_nothing(
    tmp_path, clock, sandbox_server
):
    ws, table = _open(tmp_path, clock, "errors")
    start = credits_svc.balance(ws).available
    transport = _OneError()
    async with Providers(ws.settings, transport=transport) as providers:
        summary = await _run(ws, table, providers)
    assert len(transport.moved) == 2  # one in each batch
    cells = _cells(ws)
    errors = {r: c for r, c in cells.items() if c[0] == CellState.ERROR}
    assert len(errors) == 2 and all(c[2] == 0 for c in errors.values())
    msgs = {r["error"] for r in ws.db.execute("SELECT error FROM cells WHERE status = 'error'")}
    assert msgs == {"zerobounce: ZeroBounce could not check this record: Invalid email address."}
    found = sum(c[0] == CellState.FOUND for c in cells.values())
    assert found > 0 and start - credits_svc.balance(ws).available == PRICE * found
    assert summary.credits == PRICE * found
    _books_balance(ws)
    ws.close()


async def test_a_throttled_batch_is_sent_again_and_charged_once(tmp_path, clock, sandbox_server):
    ws, table = _open(tmp_path, clock, "throttle")
    fault = {
        "X-Sandbox-Fault": "throttle_429",
        "X-Sandbox-Fault-Times": "1",
        "X-Sandbox-Fault-Id": f"zb-throttle-{tmp_path.name}",
    }
    bulk0, one0 = _counts(sandbox_server)
    async with Providers(ws.settings, headers=fault) as providers:
        summary = await _run(ws, table, providers)
    assert _counts(sandbox_server) == (bulk0 + 3, one0)  # 2 batches, one of them twice
    cells = _cells(ws)
    assert not [c for c in cells.values() if c[0] == CellState.ERROR]
    found = sum(c[0] == CellState.FOUND for c in cells.values())
    assert summary.credits == PRICE * found
    _books_balance(ws)
    ws.close()
