"""The HTTP action: URL-encoding, JSON-encoding, header hygiene, JSON paths (sandbox echo)."""

from __future__ import annotations

import httpx
import pytest

from clay_tui.providers import Outcome
from clay_tui.providers.http_action import (
    PathError,
    TemplateError,
    call,
    extract,
    parse_path,
    placeholders,
    render_body,
)

TRICKY = 'O\'Brien & Sons/ü?x=1#"quoted"\n'


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=2) as client:
        yield client


async def test_values_are_url_encoded(http, sandbox_url) -> None:
    result = await call(
        http,
        method="get",
        url_template=sandbox_url + "/http/echo/{{name}}?q={{name}}&n={{n}}",
        headers={},
        body_template=None,
        json_path="",
        row={"name": TRICKY, "n": 7},
    )
    assert result.outcome is Outcome.FOUND and not result.billable
    echoed = result.data["value"]
    assert echoed["method"] == "GET"
    assert echoed["query"] == {"q": TRICKY, "n": "7"}  # nothing leaked into other params
    # the '/' in the value did not add a path segment
    assert echoed["path"] == "/http/echo/O%27Brien%20%26%20Sons%2F%C3%BC%3Fx%3D1%23%22quoted%22%0A"


async def test_body_values_are_json_encoded(http, sandbox_url) -> None:
    template = '{"name": "{{name}}", "bare": {{name}}, "count": {{n}}, "none": {{empty}}}'
    result = await call(
        http,
        method="POST",
        url_template=sandbox_url + "/http/echo",
        headers={"X-Trace": "row-{{n}}"},
        body_template=template,
        json_path="json",
        row={"name": TRICKY, "n": 3, "empty": None},
    )
    assert result.data["value"] == {"name": TRICKY, "bare": TRICKY, "count": 3, "none": None}


async def test_dict_body_template_keeps_types(http, sandbox_url) -> None:
    template = {"person": {"name": "{{name}}", "greeting": "Hi {{name}}!", "tags": ["{{n}}"]}}
    result = await call(
        http,
        method="PUT",
        url_template=sandbox_url + "/http/echo",
        headers=None,
        body_template=template,
        json_path="json.person",
        row={"name": "Zoë", "n": 2.5},
    )
    assert result.data["value"] == {"name": "Zoë", "greeting": "Hi Zoë!", "tags": [2.5]}


async def test_header_values_cannot_inject_headers(http, sandbox_url) -> None:
    result = await call(
        http,
        method="GET",
        url_template=sandbox_url + "/http/echo",
        headers={"X-Name": "{{name}}"},
        body_template=None,
        json_path="headers",
        row={"name": "a\r\nX-Evil: 1"},
    )
    headers = result.data["value"]
    assert "x-evil" not in headers and headers["x-name"] == "a  X-Evil: 1"


async def test_json_path_into_lists(http, sandbox_url) -> None:
    body = '{"items": [{"name": "first"}, {"name": {{name}}}]}'
    row = {"name": "second"}
    url = sandbox_url + "/http/echo"
    found = await call(
        http,
        method="POST",
        url_template=url,
        headers={},
        body_template=body,
        json_path="json.items[1].name",
        row=row,
    )
    missing = await call(
        http,
        method="POST",
        url_template=url,
        headers={},
        body_template=body,
        json_path="json.items[5].name",
        row=row,
    )
    assert found.data["value"] == "second"
    assert missing.outcome is Outcome.NO_DATA and missing.error_id == "path_not_found"


async def test_errors_are_results(http, sandbox_url) -> None:
    url = sandbox_url + "/http/echo"
    unknown = await call(
        http,
        method="GET",
        url_template=url + "?x={{nope}}",
        headers={},
        body_template=None,
        json_path="",
        row={"name": "a"},
    )
    assert unknown.outcome is Outcome.ERROR and unknown.error_id == "bad_template"
    status = await call(
        http,
        method="GET",
        url_template=url + "?status=503",
        headers={},
        body_template=None,
        json_path="",
        row={},
    )
    assert status.error_id == "http_503"
    bad_json = await call(
        http,
        method="POST",
        url_template=url,
        headers={},
        body_template='{"a": {{x}}',
        json_path="",
        row={"x": 1},
    )
    assert bad_json.error_id == "bad_template"
    bad_url = await call(
        http,
        method="GET",
        url_template="ftp://example.com/{{x}}",
        headers={},
        body_template=None,
        json_path="",
        row={"x": 1},
    )
    assert bad_url.error_id == "bad_url"


async def test_non_json_answer(sandbox_url) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="plain words")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        text = await call(
            http,
            method="GET",
            url_template="http://x/",
            headers={},
            body_template=None,
            json_path="",
            row={},
        )
        path = await call(
            http,
            method="GET",
            url_template="http://x/",
            headers={},
            body_template=None,
            json_path="a.b",
            row={},
        )
    assert text.data["value"] == "plain words"
    assert path.error_id == "malformed_json"


def test_paths_and_placeholders() -> None:
    assert parse_path("data.items[0].name") == ["data", "items", 0, "name"]
    assert parse_path("$.a['b c'][2]") == ["a", "b c", 2]
    assert extract({"a": [{"b": 1}]}, "a.0.b") == 1
    assert extract([10, 20], "[-1]") == 20
    with pytest.raises(PathError):
        extract({"a": 1}, "a.b")
    assert placeholders({"k": "{{ first }} {{last}}", "l": ["{{x}}"]}) == ["first", "last", "x"]
    with pytest.raises(TemplateError):
        render_body("{{missing}}", {})
