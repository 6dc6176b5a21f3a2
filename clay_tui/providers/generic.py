"""Any provider from its manifest: one request from templates, one result from rules.

The call goes through the provider's :class:`ProviderClient` like every adapter's (rate
limits per endpoint, retries, Retry-After, stop-the-provider, off-API detection, key
redaction); this module only builds the request and reads the answer:

- the endpoint's ``requires`` groups each need a value, else ``missing_input`` (free);
- the first of the endpoint's rules, then the provider's, that the answer matches
  gives the outcome; an answer no rule recognises is the client's usual error;
- ``outputs`` paths give the values: an email finder's ``email`` (and ``score``,
  ``status``, ``accept_all``), a mobile finder's ``phone``, a verifier's ``status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.manifests import classify, get_path, template_vars
from clay_tui.manifests.engine import missing_inputs, request_for
from clay_tui.providers import cleaning
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import (
    ProviderClient,
    error_detail_of,
    error_id_of,
    parse_json,
)

if TYPE_CHECKING:
    import httpx

# A verifier's verdict in one vocabulary, whatever words the provider uses for it.
VERDICT = {"found": "valid", "catch_all": "accept_all", "invalid": "invalid", "no_data": "unknown"}
OUTCOME = {
    "found": Outcome.FOUND,
    "catch_all": Outcome.FOUND,
    "invalid": Outcome.INVALID,
    "no_data": Outcome.NO_DATA,
}


async def call(client: ProviderClient, operation: str, inputs: dict[str, Any]) -> ProviderResult:
    """One ``operation`` (email_finder, mobile_finder, email_verifier) for one row's inputs."""
    name = client.display
    m = client.manifest
    ep = m.endpoint(operation) if m is not None else None
    if m is None or ep is None:
        return client.error(
            operation,
            "no_endpoint",
            f"{name} has no {operation} endpoint in its provider manifest.",
        )
    values = template_vars(inputs)
    missing = missing_inputs(ep, values)
    if missing is not None:
        return client.error(
            operation,
            "missing_input",
            f"{name} needs {' or '.join(n.replace('_', ' ') for n in missing)}.",
        )
    req = request_for(ep, values)
    limit = None
    if ep.rate_per_second or ep.rate_per_minute:
        limit = client.limit_group(operation, ep.rate_per_second, ep.rate_per_minute)
    response = await client.request(
        req["method"],
        req["path"],
        action=operation,
        params=req["params"] or None,
        json=req["json"],
        headers=req["headers"] or None,
        paid_post=req["method"] == "POST",
        limit=limit,
    )
    if isinstance(response, ProviderResult):
        return response
    return read_answer(
        client, operation, values, response.status_code, parse_json(response), response
    )


def read_answer(
    client: ProviderClient,
    operation: str,
    values: dict[str, str],
    status: int,
    body: Any,
    response: httpx.Response | None = None,
) -> ProviderResult:
    """One row's result from an answer (``body``, parsed JSON) with HTTP ``status``: the whole
    reply of a single call (``response``), or one record's answer in a bulk reply."""
    name = client.display
    m = client.manifest
    assert m is not None
    ep = m.endpoint(operation)
    assert ep is not None
    raw = body if isinstance(body, dict) else None
    rule = classify(m.rules_for(operation), status, body)
    if rule is None:
        if body is None:
            return client.malformed(operation)
        if 200 <= status < 300 or response is None:
            return client.error(
                operation,
                "unexpected_answer",
                f"{name} answered HTTP {status} with nothing its manifest's rules recognise.",
                raw=raw,
            )
        return client.http_error(operation, response, body)
    eid = error_id_of(body) or f"http_{status}"
    if rule.outcome == "stop":
        said = (rule.message or error_detail_of(body) or f"{name} refused the call").rstrip(".")
        if status == 401:
            return client.bad_key(operation, eid, body)
        return client.error(
            operation,
            eid,
            f"{said} (HTTP {status}); no more {name} calls this run.",
            stop_provider=True,
            raw=raw,
        )
    if rule.outcome == "retry" and response is not None:  # still throttled after every retry
        return client.http_error(operation, response, body)
    if rule.outcome in ("error", "retry"):
        detail = rule.message or error_detail_of(body)
        return client.error(
            operation,
            eid,
            f"{name} refused the call (HTTP {status})"
            + (f": {detail.rstrip('.')}." if detail else "."),
            raw=raw,
        )
    if rule.outcome == "no_data":
        if operation == "email_verifier":
            return _verdict(client, rule.outcome, rule, ep.outputs, body, values, raw)
        return client.result(
            Outcome.NO_DATA,
            operation,
            message=rule.message or f"{name} found nothing.",
            raw=raw,
            billable=rule.billable is True,
        )
    if operation == "email_verifier":
        return _verdict(client, rule.outcome, rule, ep.outputs, body, values, raw)
    main = get_path(body, ep.outputs[ep.main_output])
    if main is None or str(main).strip() == "":
        return client.error(
            operation,
            "unexpected_answer",
            f"{name} answered without the {ep.main_output} its manifest points at "
            f"({ep.outputs[ep.main_output]}).",
            raw=raw,
        )
    if operation == "mobile_finder":
        data = _phone(str(main))
    else:
        out = {k: get_path(body, p) for k, p in ep.outputs.items()}
        data = {
            "email": str(main).strip(),
            "score": out.get("score"),
            "verification_status": out.get("status"),
            "accept_all": rule.outcome == "catch_all" or out.get("accept_all") is True,
        }
    return client.result(
        OUTCOME[rule.outcome], operation, data, billable=rule.bills, message=rule.message, raw=raw
    )


def _phone(value: str) -> dict[str, Any]:
    """E.164 and the country of a number (as the provider wrote it when it does not parse)."""
    checked = cleaning.normalize_phone(value, "US")
    if checked.outcome is Outcome.FOUND:
        return {
            "phone": checked.data.get("phone"),
            "country_code": checked.data.get("country_code"),
        }
    return {"phone": value.strip(), "country_code": None}


def _verdict(
    client: ProviderClient,
    outcome: str,
    rule: Any,
    outputs: dict[str, str],
    body: Any,
    values: dict[str, str],
    raw: dict[str, Any] | None,
) -> ProviderResult:
    """A verifier's answer: ``status`` is valid / accept_all / invalid / unknown whatever the
    provider calls it (its own word is kept as ``provider_status``)."""
    name = client.display
    data = {
        "status": VERDICT[outcome],
        "provider_status": get_path(body, outputs["status"]),
        "score": get_path(body, outputs["score"]) if "score" in outputs else None,
        "email": values.get("email"),
        "accept_all": outcome == "catch_all",
    }
    message = rule.message or {
        "invalid": f"{name} says the email is not deliverable.",
        "no_data": f"{name} could not tell whether the email is deliverable.",
    }.get(outcome, "")
    return client.result(
        OUTCOME[outcome],
        "email_verifier",
        data,
        billable=rule.bills,
        message=message,
        raw=raw,
    )
