"""Prospeo Search Person contract: the adapter and the sandbox held to the documented shapes
(tests/contracts/prospeo/search_person.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from clay_tui.config import ProviderSettings
from clay_tui.providers.client import ProviderClient
from clay_tui.providers.prospeo_search import Pacer, PersonSearch, SearchError, search_page
from clay_tui.sandbox import prospeo_search_api

CONTRACT = json.loads(
    (
        Path(__file__).resolve().parents[2] / "contracts" / "prospeo" / "search_person.json"
    ).read_text()
)


def _client(status: int, body: dict[str, Any], seen: list[httpx.Request], headers=None):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body, headers=headers or {})

    settings = ProviderSettings(
        name="prospeo", mode="live", base_url="https://api.prospeo.io", max_retries=0
    )
    return ProviderClient(
        settings, "https://api.prospeo.io", api_key="k", transport=httpx.MockTransport(handler)
    )


async def test_the_request_and_the_documented_answer() -> None:
    seen: list[httpx.Request] = []
    doc = CONTRACT["response"]
    client = _client(doc["status"], doc["body"], seen, {"x-second-rate-limit": "2"})
    pacer = Pacer()
    page = await search_page(client, PersonSearch(seniorities=("Founder/Owner",)), 3, pacer)
    await client.aclose()
    request = seen[0]
    assert request.method == CONTRACT["endpoint"]["method"]
    assert request.url.path == CONTRACT["endpoint"]["path"]
    assert request.headers[CONTRACT["endpoint"]["auth_header"]] == "k"
    body = json.loads(request.content)
    assert set(body) == set(CONTRACT["parameters"]) and body["page"] == 3
    assert body["filters"] == {"person_seniority": {"include": ["Founder/Owner"]}}
    (person,) = page.people
    assert (person.name, person.company, person.domain) == (
        "Roger Sterling",
        "Sterling Cooper",
        "sterlingcooper.com",
    )
    assert person.location == "New York, New York, United States"
    assert (page.total_count, page.total_pages) == (271, 11)
    assert pacer.interval == 0.5  # keeps to the 2 a second the answer announced


async def test_the_documented_error_is_one_sentence() -> None:
    doc = CONTRACT["error_example"]
    client = _client(doc["status"], doc["body"], [])
    with pytest.raises(SearchError) as err:
        await search_page(client, PersonSearch(industries=("Accountingg",)), 1)
    await client.aclose()
    assert str(err.value) == (
        "Prospeo does not accept this search: The value `Accountingg` is not supported for "
        "the filter `company_industry`."
    )


def test_the_sandbox_speaks_the_same_shape_and_limits() -> None:
    boxes = prospeo_search_api.boxes_for({"person_seniority": {"include": ["Founder/Owner"]}})
    assert sum(b.count for b in boxes) > 0
    assert prospeo_search_api.PER_PAGE == CONTRACT["response"]["body"]["pagination"]["per_page"]
    per_second, per_minute, per_day = CONTRACT["search_rate_limits"]["Pro"]
    assert {k: v[0] for k, v in prospeo_search_api.LIMITS.items()} == {
        "second": per_second,
        "minute": per_minute,
        "daily": per_day,
    }
