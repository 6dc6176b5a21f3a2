"""Hunter.io Email Finder, Email Verifier and Account.

As https://hunter.io/api-documentation/v2 documents it: "not found" is a 200 with
``data.email: null``; 403 is the rate limit (slow down and retry; no Retry-After);
429 is the plan's usage limit (stop calling Hunter this run; a burst's
``too_many_requests`` is throttling instead). The verifier has its own limits
(10/s, 300/min) apart from the finder's (15/s, 500/min), and answers 202 while it is
still verifying, with no Retry-After: it is asked again on a short, growing, bounded
schedule. ``/v2/account`` is free: the call to check a key.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import (
    ProviderClient,
    error_id_of,
    parse_json,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import httpx

FINDER = "email_finder"
VERIFIER = "email_verifier"
ACCOUNT = "account"
VERIFIER_LIMITS = (10.0, 300.0)  # documented per second, per minute (the finder: 15, 500)
VERIFY_BUDGET_S = 20.0  # 202 "still verifying": keep asking this long at most, then "unknown"
VERIFY_POLL_CAP_S = 3.0  # the longest single wait between two asks
VERIFY_MAX_ASKS = 12  # and never more asks than this for one email


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _handle(value: str | None) -> str | None:
    """``jane-doe-1a2b`` from a handle or a linkedin.com/in/ URL."""
    text = _clean(value)
    if not text:
        return None
    if "linkedin.com/" in text.lower():
        tail = text.split("linkedin.com/", 1)[1].split("?", 1)[0].strip("/")
        parts = tail.split("/")
        text = parts[1] if len(parts) > 1 and parts[0].lower() == "in" else parts[-1]
    return text.strip("/") or None


def _scrub(body: dict[str, Any]) -> dict[str, Any]:
    """Hunter echoes the query in meta.params; make sure no key ever lands in ``raw``."""
    params = body.get("meta", {}).get("params") if isinstance(body.get("meta"), dict) else None
    if isinstance(params, dict) and "api_key" in params:
        body = {
            **body,
            "meta": {**body["meta"], "params": {k: v for k, v in params.items() if k != "api_key"}},
        }
    return body


def _error(
    client: ProviderClient, action: str, response: httpx.Response, body: Any
) -> ProviderResult:
    eid = error_id_of(body)
    if response.status_code == 451 or eid == "claimed_email":
        return client.result(
            Outcome.NO_DATA,
            action,
            error_id="claimed_email",
            message="The person asked Hunter not to share their email.",
            raw=body if isinstance(body, dict) else None,
        )
    if response.status_code == 429 and eid != "too_many_requests":  # the plan is used up
        return client.out_of_quota(action, eid or "usage_limit", body)
    return client.http_error(action, response, body)


def _data(
    client: ProviderClient, action: str, response: httpx.Response, body: Any, missing: str
) -> dict[str, Any] | ProviderResult:
    """The ``data`` object of a 200 answer, or the result that says why there is none
    (garbled, an error status, or a 200 without it: ``missing`` says what was missing)."""
    if body is None:
        return client.malformed(action)
    if response.status_code != 200:
        return _error(client, action, response, body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return client.error(
            action,
            "unexpected_answer",
            f"Hunter answered 200 without {missing}.",
            raw=body if isinstance(body, dict) else None,
        )
    return data


async def find_email(
    client: ProviderClient,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    full_name: str | None = None,
    domain: str | None = None,
    company: str | None = None,
    linkedin_handle: str | None = None,
) -> ProviderResult:
    """GET /v2/email-finder. data: email, score, verification_status, accept_all, position,
    linkedin_url, domain. A LinkedIn handle (or profile URL) works instead of name + company."""
    first, last, full = _clean(first_name), _clean(last_name), _clean(full_name)
    domain, company = _clean(domain), _clean(company)
    handle = _handle(linkedin_handle)
    params: dict[str, str] = {}
    names = bool((first and last) or full)
    if handle and not (names and (domain or company)):
        params["linkedin_handle"] = handle
    else:
        if domain:
            params["domain"] = domain
        elif company:
            params["company"] = company
        else:
            return client.error(FINDER, "missing_input", "Hunter needs a domain or a company name.")
        if first and last:
            params["first_name"], params["last_name"] = first, last
        elif full:
            params["full_name"] = full
        else:
            return client.error(
                FINDER, "missing_input", "Hunter needs a first and last name, or a full name."
            )
    response = await client.request("GET", "/v2/email-finder", action=FINDER, params=params)
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    data = _data(client, FINDER, response, body, "a data object")
    if isinstance(data, ProviderResult):
        return data
    body = _scrub(body)
    email = data.get("email")
    if not email:
        return client.result(Outcome.NO_DATA, FINDER, message="Hunter found no email.", raw=body)
    verification = data.get("verification") if isinstance(data.get("verification"), dict) else {}
    out = {
        "email": email,
        "score": data.get("score"),
        "verification_status": verification.get("status"),
        "accept_all": bool(data.get("accept_all")),
        "position": data.get("position"),
        "linkedin_url": data.get("linkedin_url"),
        "domain": data.get("domain"),
    }
    return client.result(Outcome.FOUND, FINDER, out, billable=True, raw=body)


# valid/webmail: deliverable; invalid/disposable: reject. accept_all is FOUND with
# data["status"] == "accept_all" (the engine decides whether a catch-all is accepted).
_VERIFY_OUTCOME = {
    "valid": Outcome.FOUND,
    "webmail": Outcome.FOUND,
    "accept_all": Outcome.FOUND,
    "invalid": Outcome.INVALID,
    "disposable": Outcome.INVALID,
}


def _unknown(
    client: ProviderClient, email: str, error_id: str, message: str, raw: Any = None
) -> ProviderResult:
    return client.result(
        Outcome.NO_DATA,
        VERIFIER,
        {"status": "unknown", "result": None, "score": None, "email": email},
        error_id=error_id,
        message=message,
        raw=raw if isinstance(raw, dict) else None,
    )


async def verify_email(client: ProviderClient, *, email: str) -> ProviderResult:
    """GET /v2/email-verifier. data: status, result, score, email, accept_all.

    FOUND: valid, webmail, accept_all; INVALID: invalid, disposable; NO_DATA: unknown
    (also 222 "verification failed" and a 202 that stays "in progress").
    """
    email = _clean(email) or ""
    if not email:
        return client.error(VERIFIER, "missing_input", "There is no email to verify.")
    limit = client.limit_group(VERIFIER, *VERIFIER_LIMITS)
    delay, waited, asks = client.backoff_s / 2, 0.0, 0
    while True:
        response = await client.request(
            "GET", "/v2/email-verifier", action=VERIFIER, params={"email": email}, limit=limit
        )
        if isinstance(response, ProviderResult):
            return response
        if response.status_code != 202:
            break
        asks += 1
        # Still verifying (no Retry-After from Hunter): ask again soon, then less often.
        wait = retry_after_seconds(response)
        wait = min(VERIFY_POLL_CAP_S, delay if wait is None else wait)
        if waited + wait > VERIFY_BUDGET_S or asks >= VERIFY_MAX_ASKS:
            return _unknown(
                client,
                email,
                "verification_in_progress",
                "Hunter was still verifying the email; status unknown.",
                parse_json(response),
            )
        await asyncio.sleep(wait)
        waited += wait
        delay = min(VERIFY_POLL_CAP_S, delay * 2)
    body = parse_json(response)
    if response.status_code == 222:
        return _unknown(
            client,
            email,
            "verification_failed",
            "Hunter could not verify the email (the mail server did not answer).",
            body,
        )
    data = _data(client, VERIFIER, response, body, "a verification status")
    if isinstance(data, ProviderResult):
        return data
    if not data.get("status"):
        return client.error(
            VERIFIER,
            "unexpected_answer",
            "Hunter answered 200 without a verification status.",
            raw=body,
        )
    status = str(data["status"])
    out = {
        "status": status,
        "result": data.get("result"),
        "score": data.get("score"),
        "email": data.get("email") or email,
        "accept_all": bool(data.get("accept_all")) or status == "accept_all",
    }
    outcome = _VERIFY_OUTCOME.get(status, Outcome.NO_DATA)
    message = {
        Outcome.INVALID: f"Hunter says the email is {status}.",
        Outcome.NO_DATA: "Hunter could not tell whether the email is deliverable.",
    }.get(outcome, "")
    return client.result(
        outcome,
        VERIFIER,
        out,
        billable=outcome is not Outcome.NO_DATA,
        message=message,
        raw=_scrub(body),
    )


async def account(client: ProviderClient) -> ProviderResult:
    """GET /v2/account (free): plan, searches and verifications used/available. Never billable."""
    response = await client.request("GET", "/v2/account", action=ACCOUNT)
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    data = _data(client, ACCOUNT, response, body, "account data")
    if isinstance(data, ProviderResult):
        return data
    requests = data.get("requests") if isinstance(data.get("requests"), dict) else {}

    def meter(name: str, field: str) -> Any:
        m = requests.get(name)
        return m.get(field) if isinstance(m, dict) else None

    out = {
        "plan": data.get("plan_name"),
        "reset_date": data.get("reset_date"),
        "searches_used": meter("searches", "used"),
        "searches_available": meter("searches", "available"),
        "verifications_used": meter("verifications", "used"),
        "verifications_available": meter("verifications", "available"),
    }
    return client.result(Outcome.FOUND, ACCOUNT, out, billable=False, raw=_scrub(body))
