"""The generic adapter goes through the client machinery like every adapter: retries with
Retry-After, stop-the-provider, moved endpoints, missing inputs, key redaction."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable

import httpx

from clay_tui.config import ProviderSettings
from clay_tui.manifests import parse_manifest
from clay_tui.providers import Outcome, generic
from clay_tui.providers.client import ProviderClient

MANIFEST = parse_manifest(
    tomllib.loads(
        """
name = "acmefind"
display_name = "Acme Find"
base_url = "https://api.acme.test"
[auth]
style = "query"
name = "token"
[endpoints.email_finder]
method = "GET"
path = "/find"
requires = [["full_name"], ["domain"]]
query = { name = "{{full_name}}", domain = "{{domain}}" }
outputs = { email = "email" }
[[endpoints.email_finder.rules]]
status = 200
path = "email"
exists = true
outcome = "found"
[[endpoints.email_finder.rules]]
status = 200
path = "state"
equals = ["throttled"]
outcome = "retry"
[[rules]]
status = 402
outcome = "stop"
message = "The Acme Find account is out of credits."
"""
    ),
    "acme.toml",
)
KEY = "acme-secret-key-0123456789"
ROW = {"first_name": "Ann", "last_name": "Lee", "domain": "x.io"}


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> ProviderClient:
    settings = ProviderSettings(name="acmefind", mode="live", max_retries=3)
    return ProviderClient(
        settings,
        MANIFEST.base_url,
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        manifest=MANIFEST,
        backoff_s=0.001,
        max_backoff_s=0.01,
    )


async def test_a_retry_rule_pauses_and_asks_again_honouring_retry_after() -> None:
    answers = [
        httpx.Response(200, json={"state": "throttled"}, headers={"Retry-After": "0.01"}),
        httpx.Response(429, json={}, headers={"Retry-After": "0"}),
        httpx.Response(200, json={"email": "ann.lee@x.io"}),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1]

    client = _client(handler)
    res = await generic.call(client, "email_finder", ROW)
    await client.aclose()
    assert res.outcome is Outcome.FOUND and res.data["email"] == "ann.lee@x.io" and res.billable
    assert client.throttled == 2 and len(seen) == 3
    assert seen[0].url.params["token"] == KEY and seen[0].url.params["name"] == "Ann Lee"


async def test_a_stop_rule_stops_the_provider_for_the_run() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(402, json={"detail": "no credits"})

    client = _client(handler)
    first = await generic.call(client, "email_finder", ROW)
    second = await generic.call(client, "email_finder", ROW)
    await client.aclose()
    assert first.stop_provider and "out of credits" in first.message and len(seen) == 1
    assert second.outcome is Outcome.ERROR and second.stop_provider and len(seen) == 1


async def test_a_moved_endpoint_stops_the_provider_after_a_few_rows() -> None:
    client = _client(
        lambda r: httpx.Response(
            404, text="<html>Not here</html>", headers={"content-type": "text/html"}
        )
    )
    results = [await generic.call(client, "email_finder", ROW) for _ in range(4)]
    await client.aclose()
    assert results[2].stop_provider and "check its base_url" in results[2].message
    assert results[3].stop_provider


async def test_missing_inputs_make_no_call_and_keys_never_come_back() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"email": "a@x.io", "echo": f"your token {KEY}"})

    client = _client(handler)
    missing = await generic.call(client, "email_finder", {"first_name": "Ann"})
    found = await generic.call(client, "email_finder", ROW)
    await client.aclose()
    assert missing.error_id == "missing_input" and "full name" in missing.message
    assert len(seen) == 1
    assert KEY not in json.dumps(found.raw) and "[redacted]" in json.dumps(found.raw)


async def test_an_operation_without_an_endpoint_is_one_sentence() -> None:
    client = _client(lambda r: httpx.Response(500))
    res = await generic.call(client, "mobile_finder", ROW)
    await client.aclose()
    assert res.error_id == "no_endpoint" and "Acme Find has no mobile_finder" in res.message
