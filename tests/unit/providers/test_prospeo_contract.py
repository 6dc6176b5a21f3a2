"""Prospeo contract: adapter and sandbox held to the docs' own examples (tests/contracts/prospeo).

The fixtures carry the documentation's address; the adapter is checked against the
documented request/response shapes with a mock transport (no internet), the sandbox
by sending it the documented example request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from clay_tui.config import ProviderSettings
from clay_tui.providers import Outcome, prospeo
from clay_tui.providers.client import ProviderClient

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "prospeo"
ENRICH = json.loads((CONTRACTS / "enrich_person.json").read_text())
ACCOUNT = json.loads((CONTRACTS / "account_information.json").read_text())


def _mock_client(status: int, body: dict[str, Any], seen: list[httpx.Request]) -> ProviderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    settings = ProviderSettings(
        name="prospeo",
        mode="live",
        base_url="https://api.prospeo.io",
        api_key_env="",
        max_retries=0,
    )
    return ProviderClient(
        settings, "https://api.prospeo.io", api_key="k", transport=httpx.MockTransport(handler)
    )


def _check_request(request: httpx.Request) -> dict[str, Any]:
    """The request speaks the documented enrich-person: path, method, key header, body keys."""
    assert request.method == ENRICH["endpoint"]["method"]
    assert request.url.path == ENRICH["endpoint"]["path"]
    assert request.headers[ENRICH["endpoint"]["auth_header"]] == "k"
    body = json.loads(request.content)
    assert set(body) <= set(ENRICH["parameters"]) and "data" in body
    assert set(body["data"]) <= set(ENRICH["datapoints"]) and body["data"]
    return body


def test_fixtures_name_their_source() -> None:
    assert "prospeo" in ENRICH["source"] and "api-docs/enrich-person" in ENRICH["source"]
    assert "account-information" in ACCOUNT["source"]


async def test_email_finder_is_enrich_person_and_maps_the_doc_answer() -> None:
    seen: list[httpx.Request] = []
    client = _mock_client(200, ENRICH["response_found"]["body"], seen)
    result = await prospeo.find_email(
        client, first_name="Roger", last_name="Sterling", company="prospeo.io"
    )
    body = _check_request(seen[0])
    assert body["data"] == {
        "first_name": "Roger",
        "last_name": "Sterling",
        "company_website": "prospeo.io",
    }
    assert body.get("only_verified_email", False) is False  # the documented default
    assert result.outcome is Outcome.FOUND and result.billable
    assert result.data["email"] == "roger@prospeo.io"
    assert result.data["email_status"] == "VERIFIED" and result.data["domain"] == "prospeo.io"
    await client.aclose()


async def test_email_finder_company_name_goes_to_company_name() -> None:
    seen: list[httpx.Request] = []
    client = _mock_client(200, ENRICH["response_found"]["body"], seen)
    await prospeo.find_email(client, full_name="Roger Sterling", company="Prospeo Inc")
    assert _check_request(seen[0])["data"] == {
        "full_name": "Roger Sterling",
        "company_name": "Prospeo Inc",
    }
    await client.aclose()


async def test_mobile_finder_is_enrich_person_with_mobile_and_maps_the_doc_answer() -> None:
    seen: list[httpx.Request] = []
    client = _mock_client(200, ENRICH["response_found"]["body"], seen)
    result = await prospeo.find_mobile(
        client, linkedin_url="https://www.linkedin.com/in/roger-sterling"
    )
    body = _check_request(seen[0])
    assert body["data"] == {"linkedin_url": "https://www.linkedin.com/in/roger-sterling"}
    assert body["enrich_mobile"] is True and body["only_verified_mobile"] is True
    assert result.outcome is Outcome.FOUND and result.billable
    assert result.data["phone"] == "+14155550132" and result.data["country_code"] == "US"
    await client.aclose()


@pytest.mark.parametrize("call", ["email", "mobile", "enrich"])
async def test_doc_no_match_is_no_data_and_not_billed(call: str) -> None:
    seen: list[httpx.Request] = []
    nm = ENRICH["response_no_match"]
    client = _mock_client(nm["status"], nm["body"], seen)
    if call == "email":
        result = await prospeo.find_email(client, first_name="A", last_name="B", company="x.com")
    elif call == "mobile":
        result = await prospeo.find_mobile(client, linkedin_url="https://linkedin.com/in/a-b")
    else:
        result = await prospeo.enrich_person(client, data={"full_name": "A B"})
    assert result.outcome is Outcome.NO_DATA and result.error_id == "NO_MATCH"
    assert not result.billable and len(seen) == 1
    await client.aclose()


async def test_account_information_maps_the_doc_answer() -> None:
    seen: list[httpx.Request] = []
    client = _mock_client(200, ACCOUNT["response"]["body"], seen)
    result = await prospeo.account(client)
    assert seen[0].url.path == ACCOUNT["endpoint"]["path"]
    assert seen[0].method in ACCOUNT["endpoint"]["methods"]
    assert result.outcome is Outcome.FOUND and not result.billable
    assert result.data["remaining_credits"] == 99 and result.data["plan"] == "STARTER"
    await client.aclose()


# ------------------------------------------------------------------ the sandbox


def _shape(value: Any) -> Any:
    """Keys all the way down (lists: the first element's shape)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _keys_subset(doc: Any, got: Any, where: str = "") -> None:
    """Every key the doc shows for an object is in the sandbox's answer (recursively)."""
    if isinstance(doc, dict):
        assert isinstance(got, dict), where
        for k, v in doc.items():
            assert k in got, f"{where}.{k} missing from the sandbox answer"
            if got[k] is not None and v is not None:
                _keys_subset(v, got[k], f"{where}.{k}")


def test_sandbox_answers_the_doc_request_with_the_doc_shape(sandbox_url: str) -> None:
    from clay_tui.sandbox import data
    from tests.unit.providers.conftest import pick

    first, last, domain = pick(
        lambda p: data.provider_hit("prospeo", p) and not data.is_catch_all(p.domain)
    )
    request = {
        **ENRICH["request"],
        "data": {"first_name": first, "last_name": last, "company_website": domain},
    }
    answer = httpx.post(
        f"{sandbox_url}/prospeo/enrich-person",
        json=request,
        headers={"X-KEY": "sandbox-key"},
        timeout=5,
    )
    assert answer.status_code == 200
    body = answer.json()
    doc = ENRICH["response_found"]["body"]
    doc_person = {k: v for k, v in doc["person"].items() if k != "mobile"}
    _keys_subset({**doc, "person": doc_person, "company": {"name": 1, "website": 1}}, body)
    assert body["error"] is False and isinstance(body["free_enrichment"], bool)
    assert body["person"]["email"]["status"] in {"VERIFIED", "UNVERIFIED"}
    assert body["person"]["email"]["revealed"] is True


def test_sandbox_no_match_is_the_doc_error(sandbox_url: str) -> None:
    from clay_tui.sandbox import data
    from tests.unit.providers.conftest import pick

    first, last, domain = pick(lambda p: not data.provider_hit("prospeo", p))
    answer = httpx.post(
        f"{sandbox_url}/prospeo/enrich-person",
        json={"data": {"first_name": first, "last_name": last, "company_website": domain}},
        headers={"X-KEY": "sandbox-key"},
        timeout=5,
    )
    nm = ENRICH["response_no_match"]
    assert answer.status_code == nm["status"] and answer.json() == nm["body"]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_sandbox_account_information_has_the_doc_shape(sandbox_url: str, method: str) -> None:
    answer = httpx.request(
        method,
        f"{sandbox_url}/prospeo/account-information",
        headers={"X-KEY": "sandbox-key"},
        timeout=5,
    )
    assert answer.status_code == 200
    doc = ACCOUNT["response"]["body"]
    assert _shape(answer.json()).keys() == _shape(doc).keys()
    assert set(answer.json()["response"]) == set(doc["response"])


@pytest.mark.parametrize("path", ["/email-finder", "/mobile-finder"])
def test_sandbox_has_no_legacy_endpoints(sandbox_url: str, path: str) -> None:
    answer = httpx.post(
        f"{sandbox_url}/prospeo{path}", json={}, headers={"X-KEY": "sandbox-key"}, timeout=5
    )
    assert answer.status_code == 404


BULK = json.loads((CONTRACTS / "bulk_enrich_person.json").read_text())


async def test_bulk_email_finder_sends_identifiers_and_attributes_answers() -> None:
    seen: list[httpx.Request] = []
    client = _mock_client(200, BULK["response"]["body"], seen)
    results = await prospeo.bulk_find_email(
        client,
        {
            "1": {"first_name": "Roger", "last_name": "Sterling", "company": "prospeo.io"},
            "2": {"full_name": "Nobody Here", "company": "Prospeo Inc"},
            "3": {"first_name": "Jane"},
        },
    )  # no company: never sent
    assert seen[0].url.path == BULK["endpoint"]["path"] and len(seen) == 1
    body = json.loads(seen[0].content)
    assert set(body) <= set(ENRICH["parameters"])
    assert [r["identifier"] for r in body["data"]] == ["1", "2"]
    assert all(set(r) - {"identifier"} <= set(ENRICH["datapoints"]) for r in body["data"])
    assert results["1"].outcome is Outcome.FOUND and results["1"].billable
    assert results["1"].data["email"] == "roger@prospeo.io"
    assert results["2"].outcome is Outcome.NO_DATA and not results["2"].billable
    assert results["3"].error_id == "missing_input"
    await client.aclose()


async def test_bulk_refuses_more_than_50_records() -> None:
    client = _mock_client(200, BULK["response"]["body"], [])
    with pytest.raises(ValueError):
        await prospeo.bulk_find_email(
            client, {str(i): {"full_name": "A B", "company": "a.com"} for i in range(51)}
        )
    await client.aclose()


def test_sandbox_bulk_attributes_matches_by_identifier(sandbox_url: str) -> None:
    from clay_tui.sandbox import data
    from tests.unit.providers.conftest import people

    records = [
        {"identifier": f"id{i}", "first_name": f, "last_name": last, "company_website": d}
        for i, (f, last, d) in enumerate(people()[:50])
    ]
    records[3] = {"identifier": "id3", "last_name": "Only"}  # not enough to match on
    answer = httpx.post(
        f"{sandbox_url}/prospeo/bulk-enrich-person",
        json={"data": records},
        headers={"X-KEY": "sandbox-key"},
        timeout=5,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(BULK["response"]["body"]) <= set(body)
    matched = {m["identifier"] for m in body["matched"]}
    expected = {
        r["identifier"]
        for r in records
        if "first_name" in r
        and data.provider_hit(
            "prospeo", data.person(r["first_name"], r["last_name"], None, r["company_website"])
        )
    }
    assert matched == expected
    assert set(body["not_matched"]) == {r["identifier"] for r in records} - matched - {"id3"}
    assert body["invalid_datapoints"] == ["id3"]
    too_many = httpx.post(
        f"{sandbox_url}/prospeo/bulk-enrich-person",
        json={"data": records + [{"identifier": "x", "full_name": "A B"}]},
        headers={"X-KEY": "sandbox-key"},
        timeout=5,
    )
    assert too_many.status_code == 400 and too_many.json()["error"] is True
