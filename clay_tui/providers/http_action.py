"""The free HTTP/API action: any URL, ``{{column}}`` templates, a path into the answer.

Values are URL-encoded into the URL and JSON-encoded into the body, so a name
like ``O'Brien & Sons`` can neither break the request nor inject into it. Cells are
text from strangers, so they never choose where a request goes: placeholders are
refused in the scheme and host, a value is one path segment (``..`` stays a literal
``%2E%2E``), and a redirect to another host is not followed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from clay_tui.config import ProviderSettings
from clay_tui.providers.base import Outcome, ProviderResult, Redactor, error_result
from clay_tui.providers.client import is_secret_header

PROVIDER = "http"
ACTION = "http_action"
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_QUOTED = re.compile(r'"\{\{\s*([^{}]+?)\s*\}\}"')
_ORIGIN = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
MAX_REDIRECTS = 5
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


HOST_PLACEHOLDER = (
    "The URL's scheme and host cannot contain a {{column}} placeholder (a cell "
    "must not choose where the request goes): put placeholders in the path or "
    "the query."
)


def check_url_template(template: str) -> None:
    """TemplateError if a placeholder could change the scheme, the host, the port or the user."""
    origin = _ORIGIN.match(template)
    fixed = origin.group(0) if origin else ""
    if not origin or PLACEHOLDER.search(fixed) or "{{" in fixed:
        if PLACEHOLDER.search(template):
            raise TemplateError(HOST_PLACEHOLDER)
        return
    rest = template[origin.end() :]
    # "https://h.io{{x}}": the value would continue the host (h.io.evil.com, h.io@evil.com).
    if rest.startswith("{{"):
        raise TemplateError(HOST_PLACEHOLDER)


def _segment(seg: str, row: Mapping[str, Any]) -> str:
    out = PLACEHOLDER.sub(lambda m: quote(_text(_value(row, m.group(1))), safe=""), seg)
    if PLACEHOLDER.search(seg) and out in (".", ".."):  # a dot segment would climb the path
        out = out.replace(".", "%2E")
    return out


def render_url(template: str, row: Mapping[str, Any]) -> str:
    """Substitute URL-encoded values (every reserved character escaped), one path segment
    each: a value of ``..`` stays a literal segment (``%2E%2E``), never climbs the path."""
    check_url_template(template)
    origin = _ORIGIN.match(template)
    head, rest = (origin.group(0), template[origin.end() :]) if origin else ("", template)
    cut = min([i for i in (rest.find("?"), rest.find("#")) if i >= 0], default=len(rest))
    path, tail = rest[:cut], rest[cut:]
    path = "/".join(_segment(seg, row) for seg in path.split("/"))
    tail = PLACEHOLDER.sub(lambda m: quote(_text(_value(row, m.group(1))), safe=""), tail)
    return head + path + tail


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
            raise TemplateError(
                f"The body template is not valid JSON once filled in: {exc}."
            ) from None
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
    return error_result(
        PROVIDER, ACTION, error_id, message, raw=raw if isinstance(raw, dict) else None
    )


def _redacted(
    fn: Callable[..., Awaitable[ProviderResult]],
) -> Callable[..., Awaitable[ProviderResult]]:
    """Whatever ``fn``'s call brings back passes the redactor: the secret header values sent
    (and every key the process knows) never reach a cell, a message or Run Info."""

    @functools.wraps(fn)
    async def run(http: httpx.AsyncClient, **request: Any) -> ProviderResult:
        headers: Mapping[str, str] | None = request.get("headers")
        secrets = [
            render_text(str(v), request["row"])
            for k, v in (headers or {}).items()
            if is_secret_header(str(k))
        ]
        try:
            redactor = Redactor(secrets)
        except TemplateError:
            redactor = Redactor(())
        return redactor.result(await fn(http, **request))

    return run


@_redacted
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
    """One free HTTP call for one row. data: value (at ``json_path``), status (redacted)."""
    try:
        url = render_url(url_template, row)
        sent_headers = {
            render_text(k, row): render_text(str(v), row) for k, v in (headers or {}).items()
        }
        body = render_body(body_template, row)
    except TemplateError as exc:
        return _error("bad_url" if str(exc) == HOST_PLACEHOLDER else "bad_template", str(exc))
    content = None
    if body is not None:
        content = _dumps(body).encode("utf-8")
        if not any(k.lower() == "content-type" for k in sent_headers):
            sent_headers["Content-Type"] = "application/json"
    try:
        response = await _send(http, method.upper(), url, sent_headers, content)
    except _CrossHost as exc:
        return _error(
            "cross_host_redirect",
            f"The API redirected to another host ({exc}); the redirect was not "
            f"followed, so nothing (no header, no key) went there.",
        )
    except httpx.TooManyRedirects:
        return _error(
            "too_many_redirects", f"The API redirected more than {MAX_REDIRECTS} times; gave up."
        )
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
        return _error(
            f"http_{response.status_code}",
            f"The API answered HTTP {response.status_code}.",
            document,
        )
    raw = document if isinstance(document, dict) else None
    if not json_path:
        value = document if is_json else response.text
    else:
        if not is_json:
            return _error("malformed_json", "The answer is not JSON, so the path cannot apply.")
        try:
            value = extract(document, json_path)
        except PathError as exc:
            return ProviderResult(
                Outcome.NO_DATA,
                PROVIDER,
                ACTION,
                {},
                error_id="path_not_found",
                message=f"No value at {json_path}: {exc}.",
                raw=raw,
            )
    if value is None or value == "":
        return ProviderResult(
            Outcome.NO_DATA,
            PROVIDER,
            ACTION,
            {},
            error_id="empty",
            message="The answer has no value there.",
            raw=raw,
        )
    return ProviderResult(
        Outcome.FOUND, PROVIDER, ACTION, {"value": value, "status": response.status_code}, raw=raw
    )


class HttpClient:
    """The ``http`` provider: one httpx client with the limits of ``[providers.http]``
    (concurrency is the runner's pool size; the rates are kept here; timeout_s per call).
    Never retried (a call may have done something on the other side), never stopped."""

    sandbox = False
    stopped: ProviderResult | None = None

    def __init__(self, settings: ProviderSettings) -> None:
        from aiolimiter import AsyncLimiter  # imported when first needed: start-up

        self.settings = settings
        conc = max(1, settings.concurrency)
        self._http = httpx.AsyncClient(
            timeout=settings.timeout_s,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=conc, max_keepalive_connections=conc),
        )
        rps, rpm = settings.rate_per_second, settings.rate_per_minute
        self._per_second = AsyncLimiter(1, 1.0 / rps) if rps > 0 else None
        self._per_minute = AsyncLimiter(rpm, 60.0) if rpm > 0 else None
        self.calls = 0

    def redact_text(self, text: str) -> str:
        return Redactor(()).text(text)

    async def call(self, **kwargs: Any) -> ProviderResult:
        """:func:`call` on this client, once the rate limits let it go."""
        if self._per_minute is not None:
            await self._per_minute.acquire()
        if self._per_second is not None:
            await self._per_second.acquire()
        self.calls += 1
        return await call(self._http, **kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()


class _CrossHost(Exception):
    """A redirect to another origin (the message names the host)."""


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


async def _send(
    http: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], content: bytes | None
) -> httpx.Response:
    """Send, following redirects only within the same scheme, host and port (headers kept)."""
    request = http.build_request(method, url, headers=headers, content=content)
    start = _origin(request.url)
    for _ in range(MAX_REDIRECTS + 1):
        response = await http.send(request, follow_redirects=False)
        nxt = response.next_request
        if not response.is_redirect or nxt is None:
            return response
        await response.aclose()
        if _origin(nxt.url) != start:
            raise _CrossHost(nxt.url.host or str(nxt.url))
        request = nxt
    raise httpx.TooManyRedirects("too many redirects", request=request)
