"""Requests built from cells are safe: per-segment encoding, a fixed host, no cross-host
redirects, and no key sent where it was not meant to go."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from clay_tui.errors import ColumnSpecError
from clay_tui.providers import Outcome
from clay_tui.providers.http_action import TemplateError, call, check_url_template
from tests.unit.hostile.echo_server import EchoServer

SECRET = "hdr-secret-0123456789abcdef"


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=2, follow_redirects=True) as client:
        yield client


@pytest.fixture
def echo():
    with EchoServer() as a:
        yield a


@pytest.fixture
def other():
    with EchoServer() as b:
        yield b


@pytest.mark.parametrize(
    "value, segment",
    [
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("../..", "..%2F.."),
        ("a/../b", "a%2F..%2Fb"),
        ("%2e%2e", "%252e%252e"),
    ],
)
async def test_dot_segments_stay_literal(http, sandbox_url, value, segment) -> None:
    result = await call(
        http,
        method="POST",
        url_template=sandbox_url + "/http/echo/company/{{c}}/info?q={{c}}",
        headers={},
        body_template=None,
        json_path="",
        row={"c": value},
    )
    assert result.outcome is Outcome.FOUND, result.message
    assert result.data["value"]["path"] == f"/http/echo/company/{segment}/info"
    assert result.data["value"]["query"] == {"q": value}


async def test_two_placeholders_cannot_make_a_dot_segment(http, sandbox_url) -> None:
    result = await call(
        http,
        method="GET",
        url_template=sandbox_url + "/http/echo/x/{{a}}{{b}}/y",
        headers={},
        body_template=None,
        json_path="path",
        row={"a": ".", "b": "."},
    )
    assert result.data["value"] == "/http/echo/x/%2E%2E/y"


@pytest.mark.parametrize(
    "template",
    [
        "{{url}}",
        "https://{{host}}/x",
        "https://api.{{domain}}/x",
        "http://h.io:{{port}}/x",
        "https://{{user}}@h.io/x",
        "{{scheme}}://h.io/x",
        "https://h.io{{path}}",
        "  {{url}}/v1",
        "https://{{a}}.h.io/x",
    ],
)
def test_placeholders_refused_in_scheme_and_host(template) -> None:
    with pytest.raises(TemplateError) as info:
        check_url_template(template)
    assert "host" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "template",
    [
        "https://h.io/{{x}}",
        "https://h.io/a?q={{x}}",
        "http://127.0.0.1:8080/{{x}}/y",
        "https://h.io/?{{x}}",
        "https://h.io",
    ],
)
def test_placeholders_allowed_in_path_and_query(template) -> None:
    check_url_template(template)


async def test_host_placeholder_refused_at_call_time_without_a_request(http, echo) -> None:
    result = await call(
        http,
        method="GET",
        url_template="http://{{h}}/found",
        headers={},
        body_template=None,
        json_path="",
        row={"h": echo.url[7:]},
    )
    assert result.outcome is Outcome.ERROR and result.error_id == "bad_url"
    assert echo.seen == []


def test_add_column_refuses_a_host_placeholder(sbx_ws, leads) -> None:
    from clay_tui.enrich.spec import ColumnSpec
    from clay_tui.services import enrich

    spec = ColumnSpec(
        name="Hook",
        action="http_call",
        params={"url": "https://{{company_domain}}/api", "method": "GET"},
    )
    with pytest.raises(ColumnSpecError) as info:
        enrich.add_column(sbx_ws, leads, spec)
    assert "host" in str(info.value)


async def test_cross_host_redirect_is_not_followed(http, echo, other) -> None:
    target = quote(other.url + "/found", safe="")
    result = await call(
        http,
        method="POST",
        url_template=echo.url + "/redirect?to=" + target,
        headers={"X-Api-Key": SECRET},
        body_template={"a": 1},
        json_path="",
        row={},
    )
    assert result.outcome is Outcome.ERROR and result.error_id == "cross_host_redirect"
    assert "another host" in result.message and not result.billable
    assert other.seen == []  # nothing, not even without the header


async def test_same_host_redirect_keeps_headers(http, echo) -> None:
    target = quote(echo.url + "/found/there", safe="")
    result = await call(
        http,
        method="GET",
        url_template=echo.url + "/redirect?to=" + target,
        headers={"X-Api-Key": SECRET},
        body_template=None,
        json_path="value",
        row={},
    )
    assert result.outcome is Outcome.FOUND, result.message
    assert echo.seen[-1]["path"] == "/found/there"
    assert echo.seen[-1]["headers"].get("X-Api-Key") == SECRET
    assert SECRET not in str(result.data) and "[redacted]" in str(result.data)


async def test_redirect_loop_ends(http, echo) -> None:
    echo.redirect_all(echo.url)
    result = await call(
        http,
        method="GET",
        url_template=echo.url + "/loop",
        headers={},
        body_template=None,
        json_path="",
        row={},
    )
    assert result.outcome is Outcome.ERROR and result.error_id == "too_many_redirects"
    assert len(echo.seen) <= 11


async def test_provider_never_follows_a_redirect_to_loopback(
    tmp_path, echo, other, monkeypatch
) -> None:
    """A live host that redirects to the sandbox/loopback: the key never gets there."""
    from clay_tui.config import parse_settings
    from clay_tui.providers import Providers, hunter
    from tests.conftest import sandbox_raw_config

    monkeypatch.setenv("HUNTER_API_KEY", SECRET)
    raw = sandbox_raw_config(max_retries=0)
    raw["providers"]["hunter"].update(mode="live", base_url=echo.url)
    echo.redirect_all(other.url)
    async with Providers(parse_settings(raw, "<t>", tmp_path / "ws")) as providers:
        result = await hunter.find_email(
            providers.client("hunter"), first_name="A", last_name="B", domain="acme.com"
        )
    assert result.outcome is Outcome.ERROR
    assert other.seen == [] and len(echo.seen) == 1


async def test_sandbox_mode_sends_the_sandbox_key_not_the_live_one(
    tmp_path, sandbox_url, monkeypatch
) -> None:
    from clay_tui.config import SANDBOX_KEY, parse_settings
    from clay_tui.providers import Providers
    from tests.conftest import sandbox_raw_config

    monkeypatch.setenv("HUNTER_API_KEY", SECRET)
    settings = parse_settings(sandbox_raw_config(), "<t>", tmp_path / "ws")
    async with Providers(settings, sandbox_url=sandbox_url) as providers:
        client = providers.client("hunter")
        sent = client._http.headers.get("X-API-KEY")
    assert sent == SANDBOX_KEY and SECRET not in str(dict(client._http.headers))
