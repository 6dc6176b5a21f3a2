"""Send to HubSpot: the sandbox speaks HubSpot's CRM v3/v4 shapes and limits, and the adapter
batches rows (at most 100 per upsert), upserts by email (a second push updates), finds or
creates each company by domain and associates it, and gives a refused row its own error."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from clay_tui.config import ProviderSettings, SandboxSettings
from clay_tui.providers import crm, hubspot_crm
from clay_tui.providers.client import ProviderClient
from clay_tui.providers.crm import CrmRecord
from clay_tui.sandbox import hubspot_api
from clay_tui.sandbox.http import Request
from clay_tui.sandbox.routes import Router
from clay_tui.sandbox.server import SandboxServer

TOKEN = {"authorization": "Bearer sandbox-key", "content-type": "application/json"}


def post(router: Router, path: str, payload: object, headers: dict | None = None):
    req = Request("POST", f"/hubspot{path}", {}, headers or TOKEN, json.dumps(payload).encode())
    res = router.handle(req)
    return res.status, json.loads(res.body)


def contact(email: str, **props: str) -> dict:
    return {"idProperty": "email", "id": email, "properties": props}


@pytest.fixture
def router() -> Router:
    return Router(SandboxSettings(latency_ms=0, jitter_ms=0))


# ---------------------------------------------------------------- the sandbox as documented


def test_the_sandbox_wants_a_bearer_token(router: Router) -> None:
    status, body = post(
        router,
        hubspot_api.ROUTES and "/crm/v3/objects/contacts/batch/upsert",
        {"inputs": [contact("a@b.co")]},
        {"content-type": "application/json"},
    )
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"
    assert body["status"] == "error" and body["correlationId"]


def test_upsert_creates_then_updates_and_names_a_refused_input(router: Router) -> None:
    path = "/crm/v3/objects/contacts/batch/upsert"
    status, body = post(router, path, {"inputs": [contact("Ann@Acme.io", firstname="Ann")]})
    assert status == 200 and body["status"] == "COMPLETE"
    (made,) = body["results"]
    assert made["new"] is True and made["properties"]["email"] == "ann@acme.io"
    status, body = post(
        router,
        path,
        {
            "inputs": [
                contact("ann@acme.io", jobtitle="CEO"),
                contact("not-an-email", firstname="X"),
                contact("bo@acme.io", favourite_colour="red"),
            ]
        },
    )
    assert status == 207 and body["numErrors"] == 2
    (again,) = body["results"]
    assert again["id"] == made["id"] and again["new"] is False
    assert again["properties"] == {"firstname": "Ann", "jobtitle": "CEO", "email": "ann@acme.io"}
    refused = {e["context"]["ids"][0]: e["errors"][0] for e in body["errors"]}
    assert refused["not-an-email"]["in"] == "email"
    assert refused["not-an-email"]["code"] == "INVALID_EMAIL"
    assert refused["bo@acme.io"]["in"] == "favourite_colour"
    assert refused["bo@acme.io"]["code"] == "PROPERTY_DOESNT_EXIST"


def test_batches_are_at_most_100_inputs_without_duplicates(router: Router) -> None:
    path = "/crm/v3/objects/contacts/batch/upsert"
    big = {"inputs": [contact(f"p{i}@x.io") for i in range(101)]}
    status, body = post(router, path, big)
    assert status == 400 and body["category"] == "VALIDATION_ERROR" and "101" in body["message"]
    status, body = post(router, path, {"inputs": [contact("a@x.io"), contact("A@x.io")]})
    assert status == 400 and "Duplicate IDs" in body["message"]


def test_the_sandbox_throttles_like_a_starter_private_app(router: Router) -> None:
    router.enforce_limits = True
    path = "/crm/v3/objects/contacts/batch/read"
    start = time.monotonic()
    answers = [post(router, path, {"inputs": [{"id": "1"}]})[0] for _ in range(150)]
    took = time.monotonic() - start
    assert answers[:100] == [200] * 100  # a full bucket's burst
    assert 429 in answers and answers.count(200) <= 100 + 10 * took + 1  # then 10 per second
    req = Request("POST", f"/hubspot{path}", {}, TOKEN, b'{"inputs":[{"id":"1"}]}')
    res = router.handle(req)
    assert json.loads(res.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert res.headers["X-HubSpot-RateLimit-Max"] == "100" and "Retry-After" not in res.headers


# ---------------------------------------------------------------- the adapter


def client_for(url: str, **settings: object) -> ProviderClient:
    ps = ProviderSettings(
        name="hubspot", mode="sandbox", concurrency=100, timeout_s=5, max_retries=2, **settings
    )
    return ProviderClient(ps, f"{url}/hubspot", api_key="sandbox-key", sandbox=True)


def people(n: int, domain_every: int = 10) -> list[CrmRecord]:
    return [
        CrmRecord(
            email=f"person{i}@company{i // domain_every}.io",
            properties={"firstname": f"P{i}", "jobtitle": "VP Sales"},
            company_domain=f"company{i // domain_every}.io",
            company_name=f"Company {i // domain_every}",
        )
        for i in range(n)
    ]


async def test_rows_pushed_together_travel_in_batches_of_100(sandbox_server) -> None:
    state = sandbox_server.router.state
    upserts = f"path:POST /hubspot{hubspot_crm.UPSERT}"
    before = state.count(upserts)
    client = client_for(sandbox_server.url)
    try:
        got = await asyncio.gather(*(crm.push(client, r) for r in people(250)))
        assert state.count(upserts) - before == 3  # ceil(250 / 100)
        assert all(o.record_id and o.created and not o.error for o in got)
        assert len({o.record_id for o in got}) == 250
        assert len({o.company_id for o in got}) == 25  # one company per domain
        again = await asyncio.gather(*(crm.push(client, r) for r in people(250)))
        assert [o.record_id for o in again] == [o.record_id for o in got]
        assert not any(o.created for o in again)  # updated, not duplicated
        assert [o.company_id for o in again] == [o.company_id for o in got]
    finally:
        await client.aclose()


async def test_a_refused_row_gets_its_own_error_and_the_rest_go_through(sandbox_server) -> None:
    client = client_for(sandbox_server.url)
    rows = [
        *people(3),
        CrmRecord(email="nobody-at-all", properties={"firstname": "N"}),
        CrmRecord(email="x@y.io", properties={"shoe_size": "44"}),
    ]
    try:
        got = await asyncio.gather(*(crm.push(client, r) for r in rows))
    finally:
        await client.aclose()
    assert all(o.record_id for o in got[:3])
    assert got[3].record_id is None and "(property email)" in (got[3].error or "")
    assert got[4].record_id is None and "(property shoe_size)" in (got[4].error or "")


async def test_a_bad_token_stops_the_crm_in_one_sentence(sandbox_server) -> None:
    client = ProviderClient(
        ProviderSettings(name="hubspot", mode="live", api_key_env="HUBSPOT_ACCESS_TOKEN"),
        f"{sandbox_server.url}/hubspot",
        api_key="wrong-token",
        sandbox=False,
    )
    try:
        (got,) = await asyncio.gather(crm.push(client, people(1)[0]))
    finally:
        await client.aclose()
    assert got.stop and got.record_id is None
    assert "HUBSPOT_ACCESS_TOKEN" in (got.error or "") and "wrong-token" not in (got.error or "")


async def test_pushes_keep_within_the_burst_limit() -> None:
    """A sandbox enforcing 100 requests / 10 s: 15 single-row batches at 10/s, none lost."""
    with SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0)) as server:
        server.router.enforce_limits = True
        client = client_for(server.url, rate_per_second=10, rate_per_minute=600)
        start = time.monotonic()
        try:
            got = [await crm.push(client, r) for r in people(15)]
        finally:
            await client.aclose()
        assert all(o.record_id for o in got)
        assert server.router.state.count("path:POST /hubspot" + hubspot_crm.UPSERT) == 15
        assert time.monotonic() - start >= 1.0  # 10 per second, not all at once
