"""A manifest's bulk endpoint (ZeroBounce's validatebatch): the documented request and
answers (tests/contracts/zerobounce/validatebatch.json), the sandbox serving it with the
single endpoint's verdicts and its own limits, and ``providers add`` refusing a wrong
``bulk`` section with one sentence."""

from __future__ import annotations

import asyncio
import json
import tomllib
from pathlib import Path

import httpx
import pytest

from clay_tui.config import SANDBOX_KEY, ProviderSettings
from clay_tui.manifests import ManifestError, builtin_manifests, parse_manifest
from clay_tui.providers.client import ProviderClient
from clay_tui.providers.generic_bulk import Lookup, call_bulk
from clay_tui.sandbox import manifest_api
from clay_tui.sandbox.http import Request
from clay_tui.sandbox.state import SandboxState

FIXTURE = Path(__file__).resolve().parents[2] / "contracts" / "zerobounce" / "validatebatch.json"
BUILTIN = Path(__file__).resolve().parents[3] / "clay_tui" / "manifests" / "builtin"
KEY = "doc-test-key-123456"
ZB = builtin_manifests()["zerobounce"]
EP = ZB.endpoint("email_verifier")
assert EP is not None and EP.bulk is not None


def _client(handler, *, sandbox: bool = False, base_url: str | None = None) -> ProviderClient:
    settings = ProviderSettings(
        name="zerobounce", mode="sandbox" if sandbox else "live", base_url=ZB.base_url
    )
    return ProviderClient(
        settings,
        base_url or ZB.base_url,
        api_key=SANDBOX_KEY if sandbox else KEY,
        sandbox=sandbox,
        transport=httpx.MockTransport(handler),
    )


async def test_the_documented_batch_request_and_each_rows_own_result() -> None:
    fx = json.loads(FIXTURE.read_text(encoding="utf-8"))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(fx["response"]["status"], json=fx["response"]["body"])

    client = _client(handler)
    try:
        results = await Lookup.bulk(client, [Lookup("email_verifier", r, 200) for r in fx["rows"]])
    finally:
        await client.aclose()
    (request,) = seen  # five rows, one request
    assert request.method == fx["request"]["method"]
    assert str(request.url.copy_with(query=None)) == fx["request"]["url"]
    want = json.loads(json.dumps(fx["request"]["json"]).replace("{key}", KEY))
    assert json.loads(request.content) == want
    assert len(results) == len(fx["results"])
    for got, exp in zip(results, fx["results"], strict=True):
        assert got.outcome.value == exp["outcome"], (got, exp)
        assert got.billable is exp["billable"]
        for k, v in exp.get("data", {}).items():
            assert got.data.get(k) == v
        if "error_id" in exp:
            assert got.error_id == exp["error_id"]


async def test_a_refused_key_answer_stops_every_row_of_the_batch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": "Invalid API key or your account ran out"})

    client = _client(handler)
    try:
        rows = [{"email": f"a{i}@x.com"} for i in range(3)]
        results = await call_bulk(client, "email_verifier", EP.bulk, rows)
    finally:
        await client.aclose()
    assert all(r.outcome.value == "error" and r.stop_provider for r in results)
    assert all(not r.billable for r in results)


async def test_sandbox_and_a_base_url_from_config_keep_the_bulk_path_on_that_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"email_batch": [], "errors": []})

    for client in (
        _client(handler, sandbox=True, base_url="http://127.0.0.1:9/zerobounce"),
        _client(handler, base_url="https://proxy.example.test/zb"),
    ):
        try:
            await call_bulk(client, "email_verifier", EP.bulk, [{"email": "a@x.com"}])
        finally:
            await client.aclose()
    assert [str(r.url.copy_with(query=None)) for r in seen] == [
        "http://127.0.0.1:9/zerobounce/v2/validatebatch",
        "https://proxy.example.test/zb/v2/validatebatch",
    ]


# ---------------------------------------------------------------- the sandbox


async def test_the_documented_wrong_key_batch_answer_stops_the_provider() -> None:
    """ZeroBounce answers a wrong key's batch with 200, no validations and one error for
    "all": every row stops the provider, none is charged (not "left out of the answer")."""
    refused = json.loads(FIXTURE.read_text(encoding="utf-8"))["bad_key"]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(refused["status"], json=refused["body"])

    client = _client(handler)
    try:
        rows = [{"email": f"a{i}@x.com"} for i in range(3)]
        results = await call_bulk(client, "email_verifier", EP.bulk, rows)
    finally:
        await client.aclose()
    assert all(r.outcome.value == "error" and r.stop_provider for r in results)
    assert all(not r.billable for r in results)
    assert all("refused the key" in r.message for r in results)


def _batch(emails: list[str], key: str = SANDBOX_KEY) -> Request:
    body = {"api_key": key, "email_batch": [{"email_address": e} for e in emails]}
    return Request("POST", "/v2/validatebatch", {}, {}, json.dumps(body).encode())


def _single(email: str) -> Request:
    return Request("GET", "/v2/validate", {"api_key": SANDBOX_KEY, "email": email}, {})


def test_the_sandbox_batch_gives_the_single_endpoints_verdicts() -> None:
    state = SandboxState()
    emails = [f"someone.{i}@firm{i % 7}.com" for i in range(60)] + ["", "x@y.com"]
    reply = json.loads(manifest_api.handle(ZB, _batch(emails), state).body)
    by_address = {a["address"]: a["status"] for a in reply["email_batch"]}
    assert reply["errors"] == [{"error": "Invalid email.", "email_address": ""}]
    single = {
        e: json.loads(manifest_api.handle(ZB, _single(e), state).body)["status"]
        for e in emails
        if e
    }
    assert by_address == single
    assert len(set(single.values())) >= 3  # the verdicts are mixed, not all one


def test_the_sandbox_enforces_the_batch_size_the_key_and_5_per_minute() -> None:
    state = SandboxState()
    assert manifest_api.handle(ZB, _batch(["a@x.com"], key="wrong"), state).status == 401
    statuses = [manifest_api.handle(ZB, _batch(["a@x.com"]), state).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # 5 uses per minute
    too_many = _batch([f"a{i}@x.com" for i in range(201)])
    assert manifest_api.handle(ZB, too_many, SandboxState()).status == 400
    # the single endpoint is not held back by the batch endpoint's limit
    assert manifest_api.handle(ZB, _single("a@x.com"), state).status == 200
    # without enforcement (the test sandbox's default) the 6th goes through
    assert manifest_api.handle(ZB, _batch(["a@x.com"]), state, enforce_limits=False).status == 200


# ---------------------------------------------------------------- validation


def _zb_with(**bulk) -> dict:
    raw = tomllib.loads((BUILTIN / "zerobounce.toml").read_text(encoding="utf-8"))
    raw["name"] = "myzb"
    spec = raw["endpoints"]["email_verifier"]["bulk"]
    for k, v in bulk.items():
        if v is None:
            spec.pop(k)
        else:
            spec[k] = v
    return raw


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"record": None}, "endpoints.email_verifier.bulk.record is missing"),
        ({"record": {"email_address": "{{company}}"}}, "record must use {{email}}"),
        ({"record": {"e": "{{nick}}"}}, "the template {{nick}} in endpoints.email_verifier.bulk"),
        ({"error_key": None}, "errors and endpoints.email_verifier.bulk.error_key go together"),
        ({"base_url": "ftp://bulk"}, "bulk.base_url must be https://host"),
        ({"max_records": 5000}, "bulk.max_records must be between 2 and 1000"),
        ({"answers": ""}, "bulk.answers must not be empty"),
        ({"rate_per_minute": "5"}, "bulk.rate_per_minute must be a number"),
        ({"batch": 3}, "unknown key endpoints.email_verifier.bulk.batch (known keys: answer_key"),
    ],
)
def test_a_wrong_bulk_section_is_one_sentence(change: dict, said: str) -> None:
    with pytest.raises(ManifestError) as err:
        parse_manifest(_zb_with(**change), "myzb.toml")
    text = str(err.value)
    assert text.startswith("myzb.toml: ") and said in text, text
    assert text.count(". ") == 0 and text.endswith((".", ").")), text


async def test_the_client_keeps_to_5_batches_a_minute_with_no_limit_configured() -> None:
    """ZeroBounce blocks a key for 10 minutes past 5 batches a minute: the documented limit
    holds even when config sets none (rate 0); the 6th batch waits (12 s), it is not sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"email_batch": [], "errors": []})

    client = _client(handler)
    assert client.settings.rate_per_minute == 0 and client.settings.rate_per_second == 0
    tasks = [
        asyncio.create_task(call_bulk(client, "email_verifier", EP.bulk, [{"email": "a@x.com"}]))
        for _ in range(6)
    ]
    try:
        await asyncio.sleep(1.0)
        assert len(sent) == 5
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()


async def test_once_the_batch_limit_binds_waiting_rows_go_one_request_each() -> None:
    """Rather than wait 12 s for the 6th batch of the minute, its rows go to the single
    validator (same verdicts, same price), at once."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path.endswith("/validatebatch"):
            emails = [r["email_address"] for r in json.loads(request.content)["email_batch"]]
            return httpx.Response(
                200, json={"email_batch": [{"address": e, "status": "valid"} for e in emails]}
            )
        return httpx.Response(200, json={"address": request.url.params["email"], "status": "valid"})

    client = _client(handler)
    try:
        for n in range(6):
            calls = [Lookup("email_verifier", {"email": f"r{n}.{i}@x.com"}, 200) for i in range(2)]
            results = await asyncio.wait_for(Lookup.bulk(client, calls), 2.0)
            assert [r.data["status"] for r in results] == ["valid", "valid"]
    finally:
        await client.aclose()
    assert sent == ["/v2/validatebatch"] * 5 + ["/v2/validate"] * 2
