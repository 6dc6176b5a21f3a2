"""Templates in, rules out: what both the client and the sandbox do with a manifest.

``request_for`` fills an endpoint's query/body templates from a row's inputs;
``classify`` picks the first rule an answer matches; ``get_path`` reads a dotted path
(``data.emails.0.value``) out of a JSON answer.
"""

from __future__ import annotations

import re
from typing import Any

from clay_tui.domains import domain_of
from clay_tui.manifests.schema import Endpoint, Rule

_WHOLE = re.compile(r"^\{\{\s*([a-z_]+)\s*\}\}$")
_PART = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_MISSING = object()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def template_vars(inputs: dict[str, Any]) -> dict[str, str]:
    """The values templates may use, from a row's inputs: a full name from first + last
    (and first/last from a full name), a bare domain from a domain, URL or email."""
    out = {k: t for k, v in inputs.items() if (t := _text(v)) is not None}
    first, last, full = out.get("first_name"), out.get("last_name"), out.get("full_name")
    if not full and first and last:
        out["full_name"] = f"{first} {last}"
    if full and not (first or last):
        words = full.split()
        if len(words) >= 2:
            out["first_name"], out["last_name"] = words[0], words[-1]
    domain = domain_of(out["domain"]) if out.get("domain") else None
    if domain:
        out["domain"] = domain
    else:
        out.pop("domain", None)
    either = out.get("domain") or out.get("company")
    if either:
        out["domain_or_company"] = either
    return out


def render(template: Any, values: dict[str, str]) -> Any:
    """``template`` with each ``{{name}}`` filled in. A value that renders empty is left out
    of its object (an optional field); a list drops its empty items."""
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            return values.get(whole.group(1))
        if not _PART.search(template):
            return template
        missing = [n for n in _PART.findall(template) if not values.get(n)]
        if missing:
            return None
        return _PART.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        out = {k: render(v, values) for k, v in template.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(template, list):
        return [x for x in (render(v, values) for v in template) if x is not None]
    return template


def missing_inputs(endpoint: Endpoint, values: dict[str, str]) -> tuple[str, ...] | None:
    """The first ``requires`` group with no value at all, or None when every group has one."""
    for group in endpoint.requires:
        if not any(values.get(name) for name in group):
            return group
    return None


def request_for(endpoint: Endpoint, inputs: dict[str, Any]) -> dict[str, Any]:
    """method, path, params, json and headers of one call for these row inputs."""
    values = template_vars(inputs)
    params = render(endpoint.query, values) if endpoint.query else {}
    return {
        "method": endpoint.method,
        "path": endpoint.path,
        "params": {k: v if isinstance(v, str) else str(v) for k, v in (params or {}).items()},
        "json": render(endpoint.body, values) if endpoint.body is not None else None,
        # a row's value never splits a header (CR, LF and other controls drop the header)
        "headers": {
            k: v
            for k, v in (render(endpoint.headers, values) if endpoint.headers else {}).items()
            if isinstance(v, str) and v.isprintable()
        },
    }


def get_path(body: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted path (``person.email.email``, ``emails.0``), or ``default``."""
    value = body
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            i = int(part)
            value = value[i] if -len(value) <= i < len(value) else _MISSING
        else:
            value = _MISSING
        if value is _MISSING:
            return default
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return str(a).strip().lower() == str(b).strip().lower()


def matches(rule: Rule, status: int, body: Any) -> bool:
    if rule.status and status not in rule.status:
        return False
    if not rule.path:
        return True
    value = get_path(body, rule.path)
    if rule.equals:
        return not _empty(value) and any(_same(value, e) for e in rule.equals)
    if rule.exists is not None:
        return rule.exists != _empty(value)
    return True


def classify(rules: tuple[Rule, ...], status: int, body: Any) -> Rule | None:
    """The first rule this answer matches (None: no rule says what it is)."""
    for rule in rules:
        if matches(rule, status, body):
            return rule
    return None
