"""ProviderClient / Providers: modes and keys, rate limits, provider-wide pause, retries."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from clay_tui.config import parse_settings
from clay_tui.providers import Outcome, Providers, hunter
from clay_tui.providers.client import rate_window_reset, retry_after_seconds
from clay_tui.sandbox import data
from tests.conftest import sandbox_raw_config
from tests.unit.providers.conftest import fault, pick

FOUND = pick(lambda p: data.provider_hit("hunter", p))


def _live_settings(tmp_path, **hunter):
    raw = sandbox_raw_config()
    raw["providers"]["hunter"].update(mode="live", **hunter)
    return parse_settings(raw, "<test>", tmp_path / "ws")


async def test_live_mode_without_key_errors_without_a_call(tmp_path, monkeypatch) -> None:
    transport = httpx.MockTransport(lambda request: pytest.fail("no call may be made"))
    async with Providers(_live_settings(tmp_path), transport=transport) as providers:
        client = providers.client("hunter")
        assert client.base_url == "https://api.hunter.io" and not client.sandbox
        result = await hunter.find_email(client, first_name="J", last_name="D", domain="a.com")
    assert result.outcome is Outcome.ERROR and result.error_id == "missing_api_key"
    assert result.message.startswith("Set HUNTER_API_KEY") and result.stop_provider


async def test_live_mode_sends_env_key_to_base_url(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HUNTER_API_KEY", "live-secret")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"email": None, "score": None}})

    async with Providers(
        _live_settings(tmp_path), transport=httpx.MockTransport(answer)
    ) as providers:
        result = await hunter.find_email(
            providers.client("hunter"), first_name="J", last_name="D", domain="a.com"
        )
    assert result.outcome is Outcome.NO_DATA and not result.sandbox
    assert str(seen[0].url).startswith("https://api.hunter.io/v2/email-finder?")
    assert seen[0].headers["X-API-KEY"] == "live-secret"
    assert "live-secret" not in str(result)


async def test_sandbox_mode_points_at_sandbox_prefix(sandbox_settings, sandbox_url) -> None:
    async with Providers(sandbox_settings) as providers:  # ensure_sandbox -> the session server
        assert providers.client("prospeo").base_url == f"{sandbox_url}/prospeo"
        assert providers.client("openai").sandbox


@pytest.mark.parametrize("loopback", [True, False], ids=["loopback", "httpcore"])
async def test_connection_refused_is_retried_then_network_error(make_providers, loopback) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    client = make_providers(
        url=f"http://127.0.0.1:{port}", loopback=loopback, max_retries=2
    ).client("hunter")
    result = await hunter.find_email(client, first_name="J", last_name="D", domain="a.com")
    assert result.outcome is Outcome.ERROR and result.error_id == "network_error"
    assert client.calls == 3 and not result.unknown_outcome


async def test_rate_limit_per_second_within_ten_percent(make_providers) -> None:
    client = make_providers(rate_per_second=15, concurrency=10).client("hunter")
    first, last, domain = FOUND
    await hunter.find_email(client, first_name=first, last_name=last, domain=domain)  # warm up
    n = 31
    start = time.monotonic()
    await asyncio.gather(
        *[
            hunter.find_email(client, first_name=first, last_name=last, domain=domain)
            for _ in range(n)
        ]
    )
    elapsed = time.monotonic() - start
    rate = (n - 1) / elapsed  # the first call may go at once
    assert 15 * 0.9 <= rate <= 15 * 1.1, rate


async def test_rate_limit_per_minute_holds_back_the_overflow(make_providers) -> None:
    client = make_providers(rate_per_minute=120, concurrency=20).client("hunter")
    first, last, domain = FOUND
    start = time.monotonic()
    await asyncio.gather(
        *[
            hunter.find_email(client, first_name=first, last_name=last, domain=domain)
            for _ in range(121)
        ]
    )
    elapsed = time.monotonic() - start
    assert 0.4 <= elapsed <= 1.5, elapsed  # 120 at once, the 121st after 60/120 s


async def test_throttle_pauses_the_whole_provider(make_providers) -> None:
    headers = fault("throttle_429", times=1, fault_id="pause-test", retry_after="0.5")
    client = make_providers(headers=headers).client("hunter")
    first, last, domain = FOUND
    args = {"first_name": first, "last_name": last, "domain": domain}
    first_call = asyncio.create_task(hunter.find_email(client, **args))
    while client.throttled == 0:
        await asyncio.sleep(0.005)
    throttled_at = time.monotonic()
    second = await hunter.find_email(client, **args)  # its own request would succeed at once
    waited = time.monotonic() - throttled_at
    assert second.outcome is Outcome.FOUND and waited >= 0.4, waited
    assert (await first_call).outcome is Outcome.FOUND


async def test_retry_after_beyond_max_wait_is_an_error_at_once(make_providers) -> None:
    headers = fault("throttle_429", retry_after="30")
    client = make_providers(headers=headers, max_wait_s=0.5).client("hunter")
    start = time.monotonic()
    result = await hunter.find_email(client, first_name="J", last_name="D", domain="a.com")
    assert result.error_id == "rate_limit_wait_exceeded" and time.monotonic() - start < 0.5
    later = await hunter.find_email(client, first_name="J", last_name="D", domain="a.com")
    assert later.error_id == "rate_limit_wait_exceeded" and client.calls == 1  # still paused


def test_retry_after_parsing() -> None:
    def resp(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert retry_after_seconds(resp()) is None
    assert retry_after_seconds(resp(**{"Retry-After": "2"})) == 2.0
    assert retry_after_seconds(resp(**{"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(resp(**{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_seconds(resp(**{"Retry-After": "soon"})) is None


def test_prospeo_window_headers_give_the_wait() -> None:
    spent = httpx.Response(
        429, headers={"x-minute-request-left": "0", "x-minute-reset-seconds": "12"}
    )
    assert rate_window_reset(spent) == 12.0
    assert (
        rate_window_reset(
            httpx.Response(
                429, headers={"x-minute-request-left": "5", "x-minute-reset-seconds": "12"}
            )
        )
        is None
    )


async def test_last_throttle_still_pauses_the_provider(make_providers) -> None:
    headers = fault("throttle_429", times=1, fault_id="last-throttle", retry_after="0.4")
    client = make_providers(headers=headers, max_retries=0).client("hunter")
    first, last, domain = FOUND
    args = {"first_name": first, "last_name": last, "domain": domain}
    throttled = await hunter.find_email(client, **args)
    assert throttled.error_id == "too_many_requests" and client.calls == 1
    start = time.monotonic()
    after = await hunter.find_email(client, **args)
    assert after.outcome is Outcome.FOUND and time.monotonic() - start >= 0.3
