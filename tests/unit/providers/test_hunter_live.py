"""Hunter as documented (tests/contracts/hunter/api_v2.json): limits the sandbox enforces
itself, 403 = rate limit (slow down, retry), 429 = plan used up (stop), no Retry-After,
a separate verifier limiter, 202 polled with a bounded backoff, /v2/account, LinkedIn
handle, Bearer auth."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from clay_tui.config import ProviderSettings, SandboxSettings
from clay_tui.providers import Outcome, hunter
from clay_tui.providers.client import ProviderClient
from clay_tui.sandbox import data, hunter_api
from clay_tui.sandbox.server import SandboxServer
from tests.unit.providers.conftest import pick

DOC = json.loads(
    (Path(__file__).resolve().parents[2] / "contracts" / "hunter" / "api_v2.json").read_text()
)
FOUND = pick(lambda p: data.provider_hit("hunter", p) and not data.is_catch_all(p.domain))
KEY = {"X-API-KEY": "sandbox-key"}


@pytest.fixture
def limited():
    """A sandbox of its own that enforces Hunter's documented limits."""
    with SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0)) as server:
        server.router.enforce_limits = True
        yield server


def _finder_params(i: int = 0) -> dict[str, str]:
    first, last, domain = FOUND
    return {"first_name": first, "last_name": last, "domain": domain}


def test_contract_names_its_source() -> None:
    assert DOC["source"].startswith("https://hunter.io/api-documentation/v2")
    assert (
        "rate limit" in DOC["status_codes"]["403"] and "usage limit" in DOC["status_codes"]["429"]
    )


def test_the_sandbox_uses_the_documented_limits() -> None:
    for path, limits in DOC["rate_limits"].items():
        if "per_second" in limits:
            assert hunter_api.LIMITS["/v2" + path] == (limits["per_second"], limits["per_minute"])


async def _burst(
    url: str, path: str, n: int, params: dict[str, str], headers: dict[str, str] | None = None
) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        return await asyncio.gather(
            *[http.get(f"/hunter{path}", params=params, headers=headers or KEY) for _ in range(n)]
        )


def test_sandbox_finder_allows_15_a_second_then_403_without_retry_after(limited) -> None:
    answers = asyncio.run(_burst(limited.url, "/v2/email-finder", 20, _finder_params()))
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 15 and statuses.count(403) == 5, statuses
    refused = next(a for a in answers if a.status_code == 403)
    assert refused.json()["errors"][0]["code"] == 403
    assert "retry-after" not in refused.headers
    # the verifier has its own bucket: the finder's burst did not use it up
    verifier = asyncio.run(
        _burst(limited.url, "/v2/email-verifier", 12, {"email": "jane@gmail.com"})
    )
    v_statuses = [a.status_code for a in verifier]
    assert v_statuses.count(200) == 10 and v_statuses.count(403) == 2, v_statuses


def test_sandbox_limit_refills_with_time(limited) -> None:
    first = asyncio.run(_burst(limited.url, "/v2/email-verifier", 10, {"email": "a@gmail.com"}))
    time.sleep(0.5)  # half a second refills half the verifier's 10/s
    second = asyncio.run(_burst(limited.url, "/v2/email-verifier", 8, {"email": "a@gmail.com"}))
    assert all(a.status_code == 200 for a in first)
    assert [a.status_code for a in second].count(200) in (5, 6)


def test_sandbox_per_minute_limit(limited, monkeypatch) -> None:
    monkeypatch.setitem(hunter_api.LIMITS, "/v2/email-finder", (1000, 25))
    answers = asyncio.run(_burst(limited.url, "/v2/email-finder", 30, _finder_params()))
    assert [a.status_code for a in answers].count(403) == 5


def test_sandbox_limits_are_per_key(limited) -> None:
    asyncio.run(_burst(limited.url, "/v2/email-finder", 15, _finder_params()))
    other = asyncio.run(
        _burst(limited.url, "/v2/email-finder", 3, _finder_params(), {"X-API-KEY": "test-api-key"})
    )
    assert all(a.status_code == 200 for a in other)


def _handle() -> tuple[str, data.Person]:
    """A LinkedIn handle whose sandbox person Hunter finds."""
    for f, last, _ in [
        (f, la, d)
        for f in ("jane", "omar", "lea")
        for la, d in [("doe", ""), ("smith", ""), ("khan", ""), ("rossi", "")]
    ]:
        handle = f"{f}-{last}-{data.h('x', f, last) % 0xFFFF:04x}"
        p = hunter_api.person_from_handle(handle)
        if p is not None and data.provider_hit("hunter", p):
            return handle, p
    raise AssertionError


def test_sandbox_accepts_bearer_auth_and_linkedin_handle(sandbox_url) -> None:
    handle, p = _handle()
    with httpx.Client(base_url=sandbox_url, timeout=5) as http:
        bearer = http.get(
            "/hunter/v2/email-finder",
            params=_finder_params(),
            headers={"Authorization": "Bearer sandbox-key"},
        )
        by_handle = http.get(
            "/hunter/v2/email-finder", params={"linkedin_handle": handle}, headers=KEY
        )
        wrong = http.get(
            "/hunter/v2/email-finder",
            params=_finder_params(),
            headers={"Authorization": "Bearer nope"},
        )
    assert bearer.status_code == 200 and bearer.json()["data"]["email"]
    assert by_handle.status_code == 200
    assert by_handle.json()["data"]["email"] == data.email_for(p)
    assert wrong.status_code == 401


def test_sandbox_account_has_the_documented_shape(sandbox_url) -> None:
    answer = httpx.get(f"{sandbox_url}/hunter/v2/account", headers=KEY, timeout=5)
    assert answer.status_code == 200
    doc = DOC["account_response"]["data"]
    got = answer.json()["data"]
    assert set(doc) <= set(got)
    assert set(doc["requests"]) <= set(got["requests"])
    assert set(got["requests"]["searches"]) == {"used", "available"}


def test_sandbox_quota_fault_is_429_without_retry_after(sandbox_url) -> None:
    answer = httpx.get(
        f"{sandbox_url}/hunter/v2/email-finder",
        params=_finder_params(),
        headers={**KEY, "X-Sandbox-Fault": "quota_exhausted"},
        timeout=5,
    )
    assert answer.status_code == 429 and "retry-after" not in answer.headers


# ------------------------------------------------------------------ the adapter


def _mock(
    responses: list[tuple[int, dict[str, Any]]],
    seen: list[httpx.Request],
    *,
    rps: float = 0.0,
    rpm: float = 0.0,
    backoff_s: float = 0.01,
) -> ProviderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = responses[min(len(seen), len(responses)) - 1]
        return httpx.Response(status, json=body)

    settings = ProviderSettings(
        name="hunter",
        mode="live",
        base_url="https://api.hunter.io",
        api_key_env="",
        max_retries=3,
        rate_per_second=rps,
        rate_per_minute=rpm,
    )
    return ProviderClient(
        settings,
        "https://api.hunter.io",
        api_key="k",
        backoff_s=backoff_s,
        max_backoff_s=0.05,
        transport=httpx.MockTransport(handler),
    )


FOUND_BODY = {
    "data": {
        "email": "jane@acme.com",
        "score": 90,
        "domain": "acme.com",
        "accept_all": False,
        "verification": {"status": "valid"},
    }
}


@pytest.mark.parametrize("eid", ["usage_limit", "plan_exhausted", None])
async def test_429_is_the_plan_used_up_and_stops_the_provider(eid) -> None:
    seen: list[httpx.Request] = []
    errors = [{"id": eid, "code": 429, "details": "You have reached your usage limit."}]
    client = _mock([(429, {"errors": errors if eid else []})], seen)
    result = await hunter.find_email(client, first_name="J", last_name="D", domain="acme.com")
    assert result.outcome is Outcome.ERROR and result.stop_provider and len(seen) == 1
    assert "no quota left" in result.message
    again = await hunter.verify_email(client, email="jane@acme.com")
    assert again.stop_provider and len(seen) == 1
    await client.aclose()


async def test_403_rate_limit_slows_down_and_retries() -> None:
    seen: list[httpx.Request] = []
    limit = {
        "errors": [
            {"id": "too_many_requests", "code": 403, "details": "You have reached the rate limit."}
        ]
    }
    client = _mock([(403, limit), (403, limit), (200, FOUND_BODY)], seen)
    result = await hunter.find_email(client, first_name="J", last_name="D", domain="acme.com")
    assert result.outcome is Outcome.FOUND and len(seen) == 3 and client.throttled == 2
    await client.aclose()


async def test_verifier_has_its_own_documented_limiter() -> None:
    """Configured at Hunter's 15/s, the verifier still keeps to its own 10/s, and finder calls
    do not queue behind verifier calls (two limiters, not one shared)."""
    seen: list[httpx.Request] = []
    verified = {
        "data": {"status": "valid", "result": "deliverable", "score": 95, "email": "jane@acme.com"}
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = FOUND_BODY if request.url.path.endswith("finder") else verified
        return httpx.Response(200, json=body)

    settings = ProviderSettings(
        name="hunter",
        mode="live",
        base_url="https://api.hunter.io",
        api_key_env="",
        rate_per_second=15,
        rate_per_minute=500,
        concurrency=20,
    )
    client = ProviderClient(
        settings, "https://api.hunter.io", api_key="k", transport=httpx.MockTransport(handler)
    )
    start = time.monotonic()
    verifications = [hunter.verify_email(client, email=f"p{i}@acme.com") for i in range(11)]
    finds = [
        hunter.find_email(client, first_name="J", last_name=f"D{i}", domain="acme.com")
        for i in range(11)
    ]
    await asyncio.gather(*verifications, *finds)
    elapsed = time.monotonic() - start
    # 11 verifications at 10/s take >= 1.0 s; 22 calls on one 15/s limiter would take 1.4 s
    assert 0.95 <= elapsed < 1.3, elapsed
    await client.aclose()


async def test_202_is_polled_soon_and_not_after_a_second(make_providers) -> None:
    """The sandbox answers 202 (no Retry-After, as Hunter) on the first ask; the adapter asks
    again after a short first step of its backoff, not a second later."""
    client = make_providers().client("hunter")
    client.backoff_s = 0.5  # the production default
    pending = next(
        e for e in (f"b{i}@acme.com" for i in range(5000)) if data.verify(e).http_status == 202
    )
    start = time.monotonic()
    result = await hunter.verify_email(client, email=pending)
    assert result.outcome is Outcome.FOUND and client.calls == 2
    assert time.monotonic() - start < 0.5


async def test_202_forever_is_bounded(monkeypatch) -> None:
    seen: list[httpx.Request] = []
    client = _mock([(202, {"data": {"status": None}})], seen, backoff_s=0.5)
    monkeypatch.setattr(hunter, "VERIFY_BUDGET_S", 1.5)
    start = time.monotonic()
    result = await hunter.verify_email(client, email="jane@acme.com")
    elapsed = time.monotonic() - start
    assert result.outcome is Outcome.NO_DATA and result.error_id == "verification_in_progress"
    assert elapsed < 2.5 and len(seen) >= 3, (elapsed, len(seen))
    await client.aclose()


async def test_account_is_free_and_maps_the_doc() -> None:
    seen: list[httpx.Request] = []
    client = _mock([(200, DOC["account_response"])], seen)
    result = await hunter.account(client)
    assert seen[0].url.path == "/v2/account" and result.outcome is Outcome.FOUND
    assert not result.billable and result.data["plan"] == "Premium"
    assert result.data["searches_available"] == 5000
    await client.aclose()


async def test_finder_takes_a_linkedin_handle(make_providers) -> None:
    handle, p = _handle()
    client = make_providers().client("hunter")
    result = await hunter.find_email(client, linkedin_handle=handle)
    assert result.outcome is Outcome.FOUND and result.data["email"] == data.email_for(p)


async def test_a_client_at_the_documented_limits_is_never_refused(limited) -> None:
    """Finder and verifier together against a sandbox that throttles like Hunter: the
    client's two limiters keep every call under the limits."""
    from clay_tui.config import parse_settings
    from clay_tui.providers import Providers
    from tests.conftest import sandbox_raw_config

    raw = sandbox_raw_config()
    raw["providers"]["hunter"].update(rate_per_second=15, rate_per_minute=500, concurrency=20)
    settings = parse_settings(raw, "<test>", Path("/nonexistent-ws"))
    async with Providers(settings, sandbox_url=limited.url) as providers:
        client = providers.client("hunter")
        first, last, domain = FOUND
        start = time.monotonic()
        results = await asyncio.gather(
            *[
                hunter.find_email(client, first_name=first, last_name=f"{last}{i}", domain=domain)
                for i in range(24)
            ],
            *[hunter.verify_email(client, email=f"v{i}@gmail.com") for i in range(16)],
        )
        elapsed = time.monotonic() - start
    assert all(r.outcome is not Outcome.ERROR for r in results)
    assert client.throttled == 0, client.throttled
    assert elapsed < 2.2, elapsed  # 24 finds at 15/s: 1.53 s; 16 verifications at 10/s: 1.5 s
