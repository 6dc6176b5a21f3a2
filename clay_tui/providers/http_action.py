"""The free HTTP/API action: any URL, ``{{column}}`` templates, a path into the answer.

Values are URL-encoded into the URL and JSON-encoded into the body, so a name
like ``O'Brien & Sons`` can neither break the request nor inject into it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from clay_tui.providers.base import Outcome, ProviderResult, error_result

PROVIDER = "http"
ACTION = "http_action"
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_QUOTED = re.compile(r'"\{\{\s*([^{}]+?)\s*\}\}"')
_PATH_TOKEN = re.compile(r"\[(-?\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]|([^.\[\]]+)")


class TemplateError(ValueError):
    """A template names a column the row does not have, or does not render to JSON."""


def placeholders(template: Any) -> list[str]:
    """Column names referenced by ``{{column}}`` in a string or nested dict/list template."""
    if isinstance(template, str):
        return PLACEHOLDER.findall(template)
    if isinstance(template, Mapping):
        return [n for k, v in template.items() for n in placeholders(k) + placeholders(v)]
    if isinstance(template, list | tuple):
        return [n for v in template for n in placeholders(v)]
    return []


def _value(row: Mapping[str, Any], name: str) -> Any:
    if name not in row:
        raise TemplateError(f"The template uses {{{{{name}}}}}, but there is no column {name!r}.")
    return row[name]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_url(template: str, row: Mapping[str, Any]) -> str:
    """Substitute URL-encoded values (every reserved character escaped)."""
    return PLACEHOLDER.sub(lambda m: quote(_text(_value(row, m.group(1))), safe=""), template)


def render_text(template: str, row: Mapping[str, Any]) -> str:
    """Plain substitution (header values); CR/LF removed so a value cannot add a header."""
    out = PLACEHOLDER.sub(lambda m: _text(_value(row, m.group(1))), template)
    return out.replace("\r", " ").replace("\n", " ")


def _json_default(value: Any) -> Any:
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def render_body(template: Any, row: Mapping[str, Any]) -> Any:
    """A JSON document with JSON-encoded values.

    A string template: ``"{{c}}"`` (quoted) and ``{{c}}`` (bare) both become the
    JSON encoding of the value. A dict/list template (from a TOML recipe): a string
    that is exactly ``{{c}}`` becomes the typed value, other strings get text
    substituted.
    """
    if template is None or template == "":
        return None
    if isinstance(template, str):
        text = _QUOTED.sub(lambda m: _dumps(_value(row, m.group(1))), template)
        text = PLACEHOLDER.sub(lambda m: _dumps(_value(row, m.group(1))), text)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise TemplateError(f"The body template is not valid JSON once filled in: {exc}.") \
                from None
    if isinstance(template, Mapping):
        return {render_text(str(k), row): render_body_value(v, row) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [render_body_value(v, row) for v in template]
    return template


def render_body_value(value: Any, row: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            return _jsonable(_value(row, whole.group(1)))
        return PLACEHOLDER.sub(lambda m: _text(_value(row, m.group(1))), value)
    if isinstance(value, Mapping | list | tuple):
        return render_body(value, row)
    return value


def _jsonable(value: Any) -> Any:
    return json.loads(_dumps(value))


class PathError(LookupError):
    pass


def parse_path(path: str) -> list[str | int]:
    """``data.items[0].name`` -> ["data", "items", 0, "name"]; ``items.0`` works too."""
    steps: list[str | int] = []
    for m in _PATH_TOKEN.finditer(path.strip().lstrip("$").lstrip(".")):
        index, dq, sq, name = m.groups()
        if index is not None:
            steps.append(int(index))
        elif dq is not None or sq is not None:
            steps.append(dq if dq is not None else sq)
        elif name is not None and name.strip():
            steps.append(name.strip())
    return steps


def extract(document: Any, path: str) -> Any:
    """The value at ``path`` (raises PathError naming the step that is missing)."""
    current = document
    for step in parse_path(path):
        if isinstance(current, list):
            try:
                index = step if isinstance(step, int) else int(step)
                current = current[index]
            except (ValueError, IndexError):
                raise PathError(f"{step!r} is not an index of a list of {len(current)}") from None
        elif isinstance(current, dict):
            key = str(step)
            if key not in current:
                raise PathError(f"there is no key {key!r}")
            current = current[key]
        else:
            raise PathError(f"cannot take {step!r} of a {type(current).__name__}")
    return current


def _error(error_id: str, message: str, raw: Any = None) -> ProviderResult:
    return error_result(PROVIDER, ACTION, error_id, message,
                        raw=raw if isinstance(raw, dict) else None)


async def call(
    http: httpx.AsyncClient,
    *,
    method: str,
    url_template: str,
    headers: Mapping[str, str] | None,
    body_template: Any,
    json_path: str | None,
    row: Mapping[str, Any],
) -> ProviderResult:
    """One free HTTP call for one row. data: value (at ``json_path``), status."""
    try:
        url = render_url(url_template, row)
        sent_headers = {render_text(k, row): render_text(str(v), row)
                        for k, v in (headers or {}).items()}
        body = render_body(body_template, row)
    except TemplateError as exc:
        return _error("bad_template", str(exc))
    content = None
    if body is not None:
        content = _dumps(body).encode("utf-8")
        if not any(k.lower() == "content-type" for k in sent_headers):
            sent_headers["Content-Type"] = "application/json"
    try:
        response = await http.request(method.upper(), url, headers=sent_headers, content=content)
    except httpx.TimeoutException:
        return _error("timeout", f"{url_template.split('?')[0]} did not answer in time.")
    except httpx.InvalidURL as exc:
        return _error("bad_url", f"The URL is not valid: {exc}.")
    except httpx.UnsupportedProtocol:
        return _error("bad_url", "The URL must start with http:// or https://.")
    except httpx.HTTPError as exc:
        return _error("network_error", f"The call failed: {type(exc).__name__}.")
    try:
        document: Any = json.loads(response.content) if response.content else None
        is_json = True
    except (ValueError, UnicodeDecodeError):
        document, is_json = None, False
    if response.status_code >= 400:
        return _error(f"http_{response.status_code}",
                      f"The API answered HTTP {response.status_code}.", document)
    raw = document if isinstance(document, dict) else None
    if not json_path:
        value = document if is_json else response.text
    else:
        if not is_json:
            return _error("malformed_json", "The answer is not JSON, so the path cannot apply.")
        try:
            value = extract(document, json_path)
        except PathError as exc:
            return ProviderResult(Outcome.NO_DATA, PROVIDER, ACTION, {}, error_id="path_not_found",
                                  message=f"No value at {json_path}: {exc}.", raw=raw)
    if value is None or value == "":
        return ProviderResult(Outcome.NO_DATA, PROVIDER, ACTION, {}, error_id="empty",
                              message="The answer has no value there.", raw=raw)
    return ProviderResult(Outcome.FOUND, PROVIDER, ACTION,
                          {"value": value, "status": response.status_code}, raw=raw)
