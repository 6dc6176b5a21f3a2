"""Odd answers never raise out of an adapter; cleaning and templates never raise on any text."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clay_tui.config import parse_settings
from clay_tui.providers import Outcome, Providers, hunter, openai_compat, prospeo
from clay_tui.providers.cleaning import normalize_domain, normalize_phone, validate_email_syntax
from clay_tui.providers.http_action import render_body, render_url
from tests.conftest import sandbox_raw_config

ODD_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"42",
    b'{"data": "x"}',
    b'{"data": []}',
    b'{"data": {"email": 5}}',
    b'{"error": false}',
    b'{"error": false, "response": 1}',
    b'{"error": true}',
    b'{"errors": "x"}',
    b'{"choices": [1]}',
    b"\xff\xfe",
    b'{"error": {"code": 3}}',
    b'{"person": [], "error": false}',
]
STATUSES = [200, 202, 222, 400, 401, 404, 429, 500]


def _calls():
    return [
        lambda p: hunter.find_email(p.client("hunter"), full_name="A B", domain="a.com"),
        lambda p: hunter.verify_email(p.client("hunter"), email="a@b.com"),
        lambda p: prospeo.find_email(p.client("prospeo"), full_name="A B", company="a.com"),
        lambda p: prospeo.find_mobile(p.client("prospeo"), linkedin_url="linkedin.com/in/a"),
        lambda p: prospeo.enrich_person(p.client("prospeo"), data={"full_name": "A B"}),
        lambda p: openai_compat.complete(p.client("openai"), prompt="x", model="gpt-4o-mini"),
    ]


@pytest.mark.parametrize("status", STATUSES)
async def test_odd_answers_become_results(tmp_path, status) -> None:
    settings = parse_settings(sandbox_raw_config(max_retries=0), "<test>", tmp_path)
    for body in ODD_BODIES:
        transport = httpx.MockTransport(
            lambda request, body=body: httpx.Response(
                status, content=body, headers={"Retry-After": "0"}
            )
        )
        async with Providers(
            settings, sandbox_url="http://sandbox.invalid", transport=transport, backoff_s=0.0
        ) as providers:
            for call in _calls():
                result = await call(providers)
                assert result.outcome in set(Outcome)
                if status >= 400 or status == 200 and body in (b"", b"\xff\xfe"):
                    assert result.outcome is not Outcome.FOUND, (status, body, result)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_cleaning_never_raises(text: str) -> None:
    for result in (
        normalize_phone(text),
        normalize_phone(text, "GB", mobile_only=True),
        validate_email_syntax(text),
        normalize_domain(text),
    ):
        assert result.outcome in set(Outcome)
        if result.outcome is Outcome.FOUND and result.action == "normalize_phone":
            assert result.data["phone"].startswith("+")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()))
def test_any_value_round_trips_through_url_and_json(value) -> None:
    url = render_url("http://x/p?v={{c}}&w=1", {"c": value})
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert query["w"] == ["1"]
    expected = (
        ""
        if value is None
        else ("true" if value is True else "false" if value is False else str(value))
    )
    assert query["v"] == [expected] or (expected == "" and "v" in query)
    body = render_body('{"a": "{{c}}", "b": [{{c}}]}', {"c": value})
    assert body == {"a": value, "b": [value]}
    assert json.loads(json.dumps(body)) == body
