"""A provider manifest: its typed shape, and its validation with one-sentence errors.

Every mistake in a manifest is a :class:`ManifestError` naming the file and the key
("findymail.toml: endpoints.email_finder.method must be one of GET, POST, not 'PUT'.").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clay_tui.errors import ConfigError
from clay_tui.toml_file import read_toml


class ManifestError(ConfigError):
    """A provider manifest is missing a key, has an unknown one, or a wrong value."""


# What a manifest endpoint can do, and the outputs each operation gives (the first is the
# main value: a found result without it is not a result).
OPERATIONS: dict[str, tuple[str, ...]] = {
    "email_finder": ("email", "score", "status", "accept_all"),
    "mobile_finder": ("phone", "country_code"),
    "email_verifier": ("status", "score"),
}
# found: data; no_data: nothing (free); invalid: the verifier rejects the email; catch_all:
# data from a catch-all domain (the column decides); retry: throttled, wait and ask again;
# stop: no more calls to this provider this run (quota used up, bad key); error: this row
# failed.
OUTCOMES = ("found", "no_data", "invalid", "catch_all", "retry", "stop", "error")
AUTH_STYLES = ("header", "query", "bearer")
METHODS = ("GET", "POST")
# The values a request template may use ({{name}}); see engine.template_vars.
INPUTS = (
    "first_name",
    "last_name",
    "full_name",
    "domain",
    "company",
    "domain_or_company",
    "linkedin_url",
    "email",
)
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
ENV_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
MAX_MANIFEST_BYTES = 200_000
RESERVED = ("http", "cleaning", "sandbox", "echo")  # names the engine uses for itself


@dataclass(frozen=True)
class Rule:
    """``outcome`` when the status is one of ``status`` (any if empty) and the value at
    ``path`` is one of ``equals`` / present (``exists = true``) / absent (``false``)."""

    outcome: str
    status: tuple[int, ...] = ()
    path: str = ""
    equals: tuple[Any, ...] = ()
    exists: bool | None = None
    message: str = ""
    billable: bool | None = None  # None: found, catch_all and invalid bill; the rest do not

    @property
    def bills(self) -> bool:
        if self.billable is not None:
            return self.billable
        return self.outcome in ("found", "catch_all", "invalid")


@dataclass(frozen=True)
class Bulk:
    """An endpoint's bulk twin: many rows' records in one POST, one answer per record, each
    matched to its row by the value of ``match_input`` (an email address, say)."""

    path: str
    records: str  # the body key the list of records goes under
    record: dict[str, Any]  # one row's record (a template)
    answers: str  # path to the list of answers in the reply
    answer_key: str  # path inside an answer to the value it matches a record by
    match_input: str = "email"  # the input whose value matches a record and its answer
    base_url: str = ""  # another host for the bulk endpoint ("" : the provider's base_url)
    key_field: str = ""  # the API key goes in the JSON body under this name ("": as auth says)
    errors: str = ""  # path to the list of per-record errors in the reply
    error_key: str = ""  # path inside an error to the value it matches a record by
    max_records: int = 1
    rate_per_second: float = 0.0
    rate_per_minute: float = 0.0


@dataclass(frozen=True)
class Endpoint:
    operation: str
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    requires: tuple[tuple[str, ...], ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    credits: int = 0  # clay-tui credits when the answer bills
    rate_per_second: float = 0.0  # the provider's documented limits for this endpoint (0: none)
    rate_per_minute: float = 0.0
    bulk_size: int = 1  # records one request may carry (1: one row per request)
    # percent of calls that return data in real use (a verifier: a definite verdict); what an
    # estimate assumes before a column has a history of its own
    typical_hit_rate: int = 50
    bulk: Bulk | None = None  # a documented bulk endpoint for this operation

    @property
    def main_output(self) -> str:
        return OPERATIONS[self.operation][0]


@dataclass(frozen=True)
class Manifest:
    name: str
    display_name: str
    base_url: str
    auth_style: str
    auth_name: str
    endpoints: dict[str, Endpoint]
    api_key_env: str = ""
    docs: str = ""
    own_key: bool = False
    concurrency: int = 5
    timeout_s: float = 20.0
    sandbox_hit_rate: int = 50  # percent of lookups the sandbox answers with data
    adapter: str = "generic"  # "python": a built-in adapter speaks it (Hunter, Prospeo, OpenAI)
    rules: tuple[Rule, ...] = ()  # rules for every endpoint, checked before the endpoint's own
    source: str = "<built-in>"

    def endpoint(self, operation: str) -> Endpoint | None:
        return self.endpoints.get(operation)

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(self.endpoints)

    def rules_for(self, operation: str | None) -> tuple[Rule, ...]:
        """The provider-wide rules (quota, throttling), then the endpoint's own."""
        ep = self.endpoints.get(operation or "")
        return self.rules + (ep.rules if ep else ())

    @property
    def rate_per_second(self) -> float:
        """The fastest documented endpoint limit (the provider's configured default)."""
        return max((e.rate_per_second for e in self.endpoints.values()), default=0.0)

    @property
    def rate_per_minute(self) -> float:
        return max((e.rate_per_minute for e in self.endpoints.values()), default=0.0)

    def credits(self) -> dict[str, int]:
        return {op: ep.credits for op, ep in self.endpoints.items()}


# ---------------------------------------------------------------- reading


def load_manifest(path: Path, *, source: str | None = None) -> Manifest:
    """Read and validate one manifest file; ManifestError (one sentence) if anything is off."""
    path = Path(path)
    raw = read_toml(path, "Provider manifest", ManifestError, max_bytes=MAX_MANIFEST_BYTES)
    return parse_manifest(raw, source or path.name)


class _V:
    """Validation helpers bound to one file's name (for the error sentences)."""

    def __init__(self, src: str) -> None:
        self.src = src

    def fail(self, text: str) -> ManifestError:
        return ManifestError(f"{self.src}: {text}")

    def keys(self, table: Any, key: str, known: set[str]) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(f"{key} must be a table.")
        for k in table:
            if k not in known:
                where = f"{key}.{k}" if key else k
                raise self.fail(f"unknown key {where} (known keys: {', '.join(sorted(known))}).")
        return table

    def text(self, table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where} is missing.")
        if not isinstance(value, str):
            raise self.fail(f"{where} must be text, not {value!r}.")
        return value

    def number(
        self, table: dict[str, Any], key: str, where: str, default: float, low: float, high: float
    ) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where} must be a number, not {value!r}.")
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(f"{where} must be between {low:g} and {high:g}, not {value!r}.")
        return value

    def whole(
        self, table: dict[str, Any], key: str, where: str, default: int, low: int, high: int
    ) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where} must be a whole number, not {value!r}.")
        if not low <= value <= high:
            raise self.fail(f"{where} must be between {low} and {high}, not {value!r}.")
        return value

    def flag(self, table: dict[str, Any], key: str, where: str, default: bool | None) -> Any:
        value = table.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise self.fail(f"{where} must be true or false, not {value!r}.")
        return value

    def one_of(self, value: str, allowed: tuple[str, ...], where: str) -> str:
        if value not in allowed:
            raise self.fail(f"{where} must be one of {', '.join(allowed)}, not {value!r}.")
        return value


_TOP = {
    "name",
    "display_name",
    "docs",
    "base_url",
    "api_key_env",
    "own_key",
    "concurrency",
    "timeout_s",
    "adapter",
    "auth",
    "sandbox",
    "endpoints",
    "rules",
}
_ENDPOINT = {
    "method",
    "path",
    "query",
    "body",
    "headers",
    "requires",
    "outputs",
    "rules",
    "credits",
    "rate_per_second",
    "rate_per_minute",
    "bulk_size",
    "typical_hit_rate",
    "bulk",
}
_BULK = {f.name for f in Bulk.__dataclass_fields__.values()}
_RULE = {"outcome", "status", "path", "equals", "exists", "message", "billable"}


def parse_manifest(raw: dict[str, Any], src: str) -> Manifest:
    """Validate a parsed TOML document into a :class:`Manifest`."""
    v = _V(src)
    v.keys(raw, "", _TOP)
    name = v.text(raw, "name", "name")
    if not NAME_RE.match(name) or name in RESERVED:
        raise v.fail(
            f"name must be 2-32 lowercase letters, digits or _ (starting with a letter), "
            f"and not {', '.join(RESERVED)}; not {name!r}."
        )
    base_url = v.text(raw, "base_url", "base_url").rstrip("/")
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise v.fail(f"base_url must start with https:// (or http://), not {base_url!r}.")
    env = v.text(raw, "api_key_env", "api_key_env", "")
    if env and not ENV_RE.match(env):
        raise v.fail(f"api_key_env must name an environment variable (A-Z, 0-9, _), not {env!r}.")
    auth = v.keys(raw.get("auth", {}), "auth", {"style", "name"})
    style = v.one_of(v.text(auth, "style", "auth.style", "header"), AUTH_STYLES, "auth.style")
    auth_name = v.text(auth, "name", "auth.name", "Authorization" if style == "bearer" else None)
    if not re.match(r"^[A-Za-z0-9_.-]{1,64}$", auth_name):
        raise v.fail(f"auth.name must be a header or parameter name, not {auth_name!r}.")
    sandbox = v.keys(raw.get("sandbox", {}), "sandbox", {"hit_rate"})
    adapter = v.one_of(
        v.text(raw, "adapter", "adapter", "generic"), ("generic", "python"), "adapter"
    )
    endpoints_raw = v.keys(raw.get("endpoints", {}), "endpoints", set(OPERATIONS))
    if not endpoints_raw and adapter == "generic":
        raise v.fail(
            f"endpoints is missing: describe at least one of {', '.join(OPERATIONS)} "
            f"([endpoints.email_finder] ...)."
        )
    endpoints = {op: _endpoint(v, op, table) for op, table in endpoints_raw.items()}
    return Manifest(
        name=name,
        display_name=v.text(raw, "display_name", "display_name", name.capitalize()),
        base_url=base_url,
        auth_style=style,
        auth_name=auth_name,
        endpoints=endpoints,
        api_key_env=env,
        docs=v.text(raw, "docs", "docs", ""),
        own_key=bool(v.flag(raw, "own_key", "own_key", False)),
        concurrency=v.whole(raw, "concurrency", "concurrency", 5, 1, 1000),
        timeout_s=v.number(raw, "timeout_s", "timeout_s", 20.0, 0.1, 3600),
        sandbox_hit_rate=v.whole(sandbox, "hit_rate", "sandbox.hit_rate", 50, 0, 100),
        adapter=adapter,
        rules=_rules(v, raw.get("rules", []), "rules"),
        source=src,
    )


def _endpoint(v: _V, op: str, table: Any) -> Endpoint:
    key = f"endpoints.{op}"
    table = v.keys(table, key, _ENDPOINT)
    method = v.one_of(
        v.text(table, "method", f"{key}.method", "GET").upper(), METHODS, f"{key}.method"
    )
    path = v.text(table, "path", f"{key}.path")
    if not path.startswith("/") or any(c.isspace() for c in path) or "{{" in path:
        raise v.fail(f"{key}.path must start with / and hold no spaces or templates, not {path!r}.")
    query = v.keys(table.get("query", {}), f"{key}.query", set(table.get("query", {}) or {}))
    headers = v.keys(
        table.get("headers", {}), f"{key}.headers", set(table.get("headers", {}) or {})
    )
    for h, value in headers.items():
        if not isinstance(value, str):
            raise v.fail(f"{key}.headers.{h} must be text, not {value!r}.")
    body = table.get("body")
    if body is not None and method == "GET":
        raise v.fail(f"{key}.body is only for POST endpoints (method is GET).")
    for where, tpl in (("query", query), ("body", body), ("headers", headers)):
        _check_template(v, tpl, f"{key}.{where}")
    requires = table.get("requires", [])
    if not isinstance(requires, list) or not all(
        isinstance(g, list) and g and all(isinstance(n, str) for n in g) for g in requires
    ):
        raise v.fail(f'{key}.requires must be a list of lists of input names ([["full_name"]]).')
    for group in requires:
        for n in group:
            v.one_of(n, INPUTS, f"{key}.requires")
    outputs = v.keys(table.get("outputs", {}), f"{key}.outputs", set(OPERATIONS[op]))
    main = OPERATIONS[op][0]
    if main not in outputs:
        raise v.fail(f"{key}.outputs.{main} is missing: the path to the {main} in the answer.")
    for out, p in outputs.items():
        if not isinstance(p, str) or not p.strip():
            raise v.fail(f"{key}.outputs.{out} must be a path into the answer (data.email).")
    rules = _rules(v, table.get("rules", []), f"{key}.rules")
    if not any(r.outcome in ("found", "catch_all", "invalid") for r in rules):
        raise v.fail(f"{key}.rules has no rule with outcome found: say when an answer is data.")
    return Endpoint(
        operation=op,
        method=method,
        path=path,
        query=dict(query),
        body=body,
        headers=dict(headers),
        requires=tuple(tuple(g) for g in requires),
        outputs=dict(outputs),
        rules=rules,
        credits=v.whole(table, "credits", f"{key}.credits", 1, 0, 1_000_000),
        rate_per_second=v.number(table, "rate_per_second", f"{key}.rate_per_second", 0, 0, 100_000),
        rate_per_minute=v.number(
            table, "rate_per_minute", f"{key}.rate_per_minute", 0, 0, 6_000_000
        ),
        bulk_size=v.whole(table, "bulk_size", f"{key}.bulk_size", 1, 1, 1000),
        typical_hit_rate=v.whole(table, "typical_hit_rate", f"{key}.typical_hit_rate", 50, 0, 100),
        bulk=_bulk(v, f"{key}.bulk", table["bulk"]) if "bulk" in table else None,
    )


def _bulk(v: _V, key: str, table: Any) -> Bulk:
    table = v.keys(table, key, _BULK)
    path = v.text(table, "path", f"{key}.path")
    if not path.startswith("/") or any(c.isspace() for c in path) or "{{" in path:
        raise v.fail(f"{key}.path must start with / and hold no spaces or templates, not {path!r}.")
    base_url = v.text(table, "base_url", f"{key}.base_url", "").rstrip("/")
    if base_url and not re.match(r"^https?://[^\s/]+$", base_url):
        raise v.fail(f"{key}.base_url must be https://host (or http://), not {base_url!r}.")
    names = {}
    for name in ("records", "answers", "answer_key", "key_field", "errors", "error_key"):
        required = name in ("records", "answers", "answer_key")
        value = v.text(table, name, f"{key}.{name}", None if required else "").strip()
        if required and not value:
            raise v.fail(f"{key}.{name} must not be empty.")
        names[name] = value
    if "." in names["records"] or "." in names["key_field"]:
        raise v.fail(f"{key}.records and {key}.key_field must be top-level body keys (no dots).")
    if bool(names["errors"]) != bool(names["error_key"]):
        raise v.fail(f"{key}.errors and {key}.error_key go together: give both or neither.")
    match_input = v.one_of(
        v.text(table, "match_input", f"{key}.match_input", "email"), INPUTS, f"{key}.match_input"
    )
    record = table.get("record")
    if not isinstance(record, dict) or not record:
        raise v.fail(f"{key}.record is missing: the template of one row's record (a table).")
    _check_template(v, record, f"{key}.record")
    if not re.search(r"\{\{\s*" + match_input + r"\s*\}\}", repr(record)):
        raise v.fail(f"{key}.record must use {{{{{match_input}}}}}: answers are matched by it.")
    return Bulk(
        path=path,
        record=dict(record),
        match_input=match_input,
        base_url=base_url,
        max_records=v.whole(table, "max_records", f"{key}.max_records", 0, 2, 1000),
        rate_per_second=v.number(table, "rate_per_second", f"{key}.rate_per_second", 0, 0, 1e5),
        rate_per_minute=v.number(table, "rate_per_minute", f"{key}.rate_per_minute", 0, 0, 6e6),
        **names,
    )


def _check_template(v: _V, tpl: Any, where: str) -> None:
    """Every {{name}} in a template must be a known input."""
    if isinstance(tpl, str):
        for name in re.findall(r"\{\{\s*([^}]*?)\s*\}\}", tpl):
            v.one_of(name, INPUTS, f"the template {{{{{name}}}}} in {where}")
    elif isinstance(tpl, dict):
        for k, value in tpl.items():
            _check_template(v, value, f"{where}.{k}")
    elif isinstance(tpl, list):
        for i, value in enumerate(tpl):
            _check_template(v, value, f"{where}[{i}]")


def _rules(v: _V, items: Any, key: str) -> tuple[Rule, ...]:
    if not isinstance(items, list):
        raise v.fail(f"{key} must be a list of rules ([[{key}]] tables).")
    out = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        item = v.keys(item, where, _RULE)
        outcome = v.one_of(
            v.text(item, "outcome", f"{where}.outcome"), OUTCOMES, f"{where}.outcome"
        )
        status = item.get("status", [])
        status = [status] if isinstance(status, int) and not isinstance(status, bool) else status
        if not isinstance(status, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in status
        ):
            raise v.fail(f"{where}.status must be an HTTP status (100-599) or a list of them.")
        equals = item.get("equals", [])
        equals = equals if isinstance(equals, list) else [equals]
        if not all(isinstance(e, str | int | float | bool) for e in equals):
            raise v.fail(f"{where}.equals must be text, numbers or true/false (or a list).")
        exists = v.flag(item, "exists", f"{where}.exists", None)
        path = v.text(item, "path", f"{where}.path", "")
        if (equals or exists is not None) and not path:
            raise v.fail(f"{where}.path is missing: equals and exists look at a path.")
        if path and not equals and exists is None:
            raise v.fail(f"{where} has a path but neither equals nor exists.")
        if not status and not path:
            raise v.fail(f"{where} matches every answer: give it a status or a path.")
        out.append(
            Rule(
                outcome=outcome,
                status=tuple(status),
                path=path,
                equals=tuple(equals),
                exists=exists,
                message=v.text(item, "message", f"{where}.message", ""),
                billable=v.flag(item, "billable", f"{where}.billable", None),
            )
        )
    return tuple(out)
