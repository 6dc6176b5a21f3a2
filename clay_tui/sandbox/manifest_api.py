"""The sandbox side of a provider manifest: any manifest provider, served from its manifest.

For a request to ``/<provider>/<endpoint path>`` this module checks the key the way the
manifest says it is sent (header, query or bearer), enforces the endpoint's documented
rate limits (429 with Retry-After), reads the row's inputs back out of the request
through the endpoint's templates, decides the outcome deterministically (the same
people, emails and phones as every other sandbox provider, each provider hitting at the
manifest's ``sandbox.hit_rate``), and writes an answer that the manifest's own rules
classify as that outcome: the status and values a rule looks for, and the outputs at
the paths the manifest reads them from.
"""

from __future__ import annotations

import math
from typing import Any

from clay_tui.config import SANDBOX_KEY
from clay_tui.manifests import Endpoint, Manifest, Rule, classify, get_path
from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

RETRY_AFTER_S = "1"


def key_of(m: Manifest, req: Request) -> str | None:
    if m.auth_style == "query":
        return req.query.get(m.auth_name)
    value = req.headers.get(m.auth_name.lower())
    if m.auth_style == "bearer":
        return value[7:].strip() if value and value[:7].lower() == "bearer " else None
    return value


def endpoint_for(m: Manifest, req: Request) -> Endpoint | Response:
    """The endpoint this request is for, or the 404/405 answer."""
    same_path = [ep for ep in m.endpoints.values() if ep.path == req.path]
    for ep in same_path:
        if ep.method == req.method:
            return ep
    if same_path:
        return json_response(
            405, {"error": "Method Not Allowed", "message": f"{req.method} is not allowed here."}
        )
    return json_response(404, {"error": "Not Found", "message": f"No route {req.path}."})


def unauthorized(m: Manifest) -> Response:
    return json_response(401, {"error": "Unauthorized", "message": f"Invalid {m.auth_name}."})


def rate_limited(m: Manifest, ep: Endpoint, req: Request, state: SandboxState) -> Response | None:
    """429 with Retry-After when this key is over the endpoint's documented limits."""
    limits = tuple(
        (int(n), seconds)
        for n, seconds in ((ep.rate_per_second, 1.0), (ep.rate_per_minute, 60.0))
        if n > 0
    )
    if not limits:
        return None
    if state.admit(f"{m.name}:{key_of(m, req)}:{ep.path}", limits):
        return None
    return json_response(
        429,
        {"error": "Too Many Requests", "message": "Rate limit exceeded."},
        {"Retry-After": RETRY_AFTER_S},
    )


def _inputs(template: Any, actual: Any, out: dict[str, str]) -> None:
    """Walk a template and the request side by side: ``"{{name}}"`` meets name's value."""
    if isinstance(template, str):
        t = template.strip()
        if t.startswith("{{") and t.endswith("}}") and t.count("{{") == 1 and actual is not None:
            out[t[2:-2].strip()] = str(actual)
    elif isinstance(template, dict) and isinstance(actual, dict):
        for k, v in template.items():
            _inputs(v, actual.get(k), out)
    elif isinstance(template, list) and isinstance(actual, list):
        for v, a in zip(template, actual, strict=False):
            _inputs(v, a, out)


def inputs_of(ep: Endpoint, req: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    _inputs(ep.query, req.query, out)
    if ep.body is not None:
        _inputs(ep.body, req.json(), out)
    return out


def outcome_for(m: Manifest, ep: Endpoint, inputs: dict[str, str]) -> tuple[str, Any]:
    """(outcome, main value): deterministic per person/email, hit at the manifest's rate."""
    if ep.operation == "email_verifier":
        verdict = data.verify(inputs.get("email", ""))
        outcome = {
            "valid": "found",
            "webmail": "found",
            "accept_all": "catch_all",
            "invalid": "invalid",
            "disposable": "invalid",
        }.get(verdict.status, "no_data")
        return outcome, verdict.score
    if ep.operation == "mobile_finder":
        key = data.linkedin_key(inputs.get("linkedin_url", "")) or inputs.get("email", "")
        if not key or data.pct("hit", m.name, key) >= m.sandbox_hit_rate:
            return "no_data", None
        return "found", data.phone_fields(key)["raw_format"]
    company = inputs.get("domain") or inputs.get("domain_or_company") or inputs.get("company")
    p = data.person(
        inputs.get("first_name"), inputs.get("last_name"), inputs.get("full_name"), company
    )
    if not p.valid or data.pct("hit", m.name, p.key) >= m.sandbox_hit_rate:
        return "no_data", None
    has_catch_all = any(r.outcome == "catch_all" for r in m.rules_for(ep.operation))
    if has_catch_all and data.is_catch_all(p.domain):
        return "catch_all", data.email_for(p)
    return "found", data.email_for(p)


def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a dotted path, making the objects (and lists) on the way."""
    parts = path.split(".")
    node: Any = body
    for part, nxt in zip(parts, parts[1:], strict=False):
        child: Any = [] if nxt.isdigit() else {}
        if isinstance(node, list):
            i = int(part)
            while len(node) <= i:
                node.append(None)
            node[i] = node[i] if isinstance(node[i], dict | list) else child
            node = node[i]
        else:
            if not isinstance(node.get(part), dict | list):
                node[part] = child
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        i = int(last)
        while len(node) <= i:
            node.append(None)
        node[i] = value
    else:
        node[last] = value


def _answer(
    rule: Rule, ep: Endpoint | None, outcome: str, value: Any, extra: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    status = rule.status[0] if rule.status else 200
    body: dict[str, Any] = {}
    if ep is not None and value is not None and outcome in ("found", "catch_all", "invalid"):
        if ep.operation == "email_verifier":
            if "score" in ep.outputs:
                set_path(body, ep.outputs["score"], value)
        else:
            set_path(body, ep.outputs[ep.main_output], value)
    for name, path in extra.items():
        set_path(body, path, name)
    if rule.path:
        if rule.equals:
            set_path(body, rule.path, rule.equals[0])
        elif rule.exists:
            if not _has(body, rule.path):
                set_path(body, rule.path, value if value is not None else "sandbox")
    return status, body


def _has(body: Any, path: str) -> bool:
    return get_path(body, path) not in (None, "", [], {})


def answer_parts(
    m: Manifest, ep: Endpoint | None, outcome: str, value: Any = None, status: int | None = None
) -> tuple[int, dict[str, Any]] | None:
    """(status, body) the manifest's rules classify as ``outcome`` (with that ``status``
    only, when given), or None when no rule can say."""
    rules = m.rules_for(ep.operation if ep else None)
    for rule in (r for r in rules if r.outcome == outcome):
        if status is not None and rule.status and status not in rule.status:
            continue
        got_status, body = _answer(rule, ep, outcome, value, {})
        got_status = status or got_status
        got = classify(rules, got_status, body)
        if got is not None and got.outcome == outcome:
            return got_status, body
    return None


def answer(m: Manifest, ep: Endpoint | None, outcome: str, value: Any = None) -> Response:
    """An answer the manifest's rules classify as ``outcome`` (404 {} when no rule can say)."""
    parts = answer_parts(m, ep, outcome, value)
    if parts is not None:
        return json_response(*parts)
    if outcome == "stop":
        return json_response(402, {"error": "Payment Required", "message": "No credits left."})
    return json_response(404, {})


def handle(
    m: Manifest,
    req: Request,
    state: SandboxState,
    *,
    enforce_limits: bool = True,
    fault: str | None = None,
    retry_after: str = RETRY_AFTER_S,
) -> Response:
    """Route, key check, documented limits, an injected ``fault`` if any, then the answer."""
    bulk = next((e for e in m.endpoints.values() if e.bulk and e.bulk.path == req.path), None)
    if bulk is not None:
        return handle_bulk(
            m, bulk, req, state, enforce_limits=enforce_limits, fault=fault, retry_after=retry_after
        )
    found = endpoint_for(m, req)
    if isinstance(found, Response):
        return found
    ep = found
    if key_of(m, req) != SANDBOX_KEY:
        return unauthorized(m)
    if enforce_limits:
        limited = rate_limited(m, ep, req, state)
        if limited is not None:
            return limited
    if fault is not None:
        return fault_response(m, ep, fault, retry_after)
    inputs = inputs_of(ep, req)
    state.bump(f"{m.name}:{ep.operation}")
    outcome, value = outcome_for(m, ep, inputs)
    return answer(m, ep, outcome, value)


def fault_response(m: Manifest, ep: Endpoint, fault_name: str, retry_after: str) -> Response:
    """An injected fault (not timeout / malformed_json: the router makes those)."""
    if fault_name == "quota_exhausted":  # what the manifest says "stop" looks like
        return answer(m, ep, "stop")
    if fault_name == "throttle_429":
        return json_response(
            429,
            {"error": "Too Many Requests", "message": "Slow down."},
            {"Retry-After": retry_after},
        )
    if fault_name == "forbidden_403":
        return json_response(403, {"error": "Forbidden", "message": "Not allowed."})
    return json_response(500, {"error": "Internal Server Error", "message": "Sandbox fault."})


def handle_bulk(
    m: Manifest,
    ep: Endpoint,
    req: Request,
    state: SandboxState,
    *,
    enforce_limits: bool,
    fault: str | None,
    retry_after: str,
) -> Response:
    """An endpoint's bulk twin: the key where the manifest puts it, the bulk endpoint's own
    limits and size, and per record the verdict the single endpoint gives for that row
    (a record without its match value goes to the errors list)."""
    spec = ep.bulk
    assert spec is not None
    if req.method != "POST":
        return json_response(
            405, {"error": "Method Not Allowed", "message": f"{req.method} is not allowed here."}
        )
    body = req.json()
    if not isinstance(body, dict):
        return json_response(400, {"error": "The body must be a JSON object."})
    key = body.get(spec.key_field) if spec.key_field else key_of(m, req)
    if key != SANDBOX_KEY:
        return unauthorized(m)
    limits = tuple(
        (int(n), s) for n, s in ((spec.rate_per_second, 1.0), (spec.rate_per_minute, 60.0)) if n
    )
    if enforce_limits and limits and not state.admit(f"{m.name}:{key}:{spec.path}", limits):
        wait = max(math.ceil(seconds / n) for n, seconds in limits)  # till a slot frees
        return json_response(
            429,
            {"error": "Too Many Requests", "message": "Rate limit exceeded."},
            {"Retry-After": str(wait)},
        )
    if fault is not None:
        return fault_response(m, ep, fault, retry_after)
    records = body.get(spec.records)
    if not isinstance(records, list) or not records:
        return json_response(400, {"error": f"{spec.records} must be a non-empty list."})
    if len(records) > spec.max_records:
        return json_response(
            400, {"error": f"At most {spec.max_records} records per request, not {len(records)}."}
        )
    answers: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for record in records:
        inputs: dict[str, str] = {}
        _inputs(spec.record, record, inputs)
        match = inputs.get(spec.match_input, "").strip()
        parts = None
        if match:
            state.bump(f"{m.name}:{ep.operation}")
            outcome, value = outcome_for(m, ep, inputs)
            parts = answer_parts(m, ep, outcome, value, status=200)
        if parts is None:
            if spec.errors:
                err: dict[str, Any] = {"error": f"Invalid {spec.match_input.replace('_', ' ')}."}
                set_path(err, spec.error_key, match)
                errors.append(err)
            continue
        one = parts[1]
        set_path(one, spec.answer_key, match)
        answers.append(one)
    reply: dict[str, Any] = {}
    set_path(reply, spec.answers, answers)
    if spec.errors:
        set_path(reply, spec.errors, errors)
    return json_response(200, reply)
