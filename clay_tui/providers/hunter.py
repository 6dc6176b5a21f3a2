"""Hunter.io Email Finder and Email Verifier.

Hunter says "not found" with a 200 and ``data.email: null``, throttles with 403
(and 429), and reports "out of quota" as 429 ``usage_limit``: the body decides,
not the status alone.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import (
    QUOTA_IDS,
    ProviderClient,
    error_id_of,
    parse_json,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import httpx

FINDER = "email_finder"
VERIFIER = "email_verifier"
VERIFY_PENDING_RETRIES = 3  # 202 "still verifying": ask again this many times, then "unknown"


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _scrub(body: dict[str, Any]) -> dict[str, Any]:
    """Hunter echoes the query in meta.params; make sure no key ever lands in ``raw``."""
    params = body.get("meta", {}).get("params") if isinstance(body.get("meta"), dict) else None
    if isinstance(params, dict) and "api_key" in params:
        body = {**body, "meta": {**body["meta"], "params": {
            k: v for k, v in params.items() if k != "api_key"}}}
    return body


def _error(client: ProviderClient, action: str, response: httpx.Response,
           body: Any) -> ProviderResult:
    eid = error_id_of(body)
    if response.status_code == 451 or eid == "claimed_email":
        return client.result(Outcome.NO_DATA, action, error_id="claimed_email",
                             message="The person asked Hunter not to share their email.",
                             raw=body if isinstance(body, dict) else None)
    if response.status_code == 429 and eid in QUOTA_IDS:
        return client.out_of_quota(action, eid or "usage_limit", body)
    return client.http_error(action, response, body)


async def find_email(
    client: ProviderClient,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    full_name: str | None = None,
    domain: str | None = None,
    company: str | None = None,
) -> ProviderResult:
    """GET /v2/email-finder. data: email, score, verification_status, accept_all, position,
    linkedin_url, domain."""
    first, last, full = _clean(first_name), _clean(last_name), _clean(full_name)
    domain, company = _clean(domain), _clean(company)
    params: dict[str, str] = {}
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
        return client.error(FINDER, "missing_input",
                            "Hunter needs a first and last name, or a full name.")
    response = await client.request("GET", "/v2/email-finder", action=FINDER, params=params)
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    if body is None:
        return client.malformed(FINDER)
    if response.status_code != 200:
        return _error(client, FINDER, response, body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return client.error(FINDER, "unexpected_answer",
                            "Hunter answered 200 without a data object.", raw=body
                            if isinstance(body, dict) else None)
    body = _scrub(body)
    email = data.get("email")
    if not email:
        return client.result(Outcome.NO_DATA, FINDER, message="Hunter found no email.",
                             raw=body)
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


def _unknown(client: ProviderClient, email: str, error_id: str, message: str,
             raw: Any = None) -> ProviderResult:
    return client.result(Outcome.NO_DATA, VERIFIER,
                         {"status": "unknown", "result": None, "score": None, "email": email},
                         error_id=error_id, message=message,
                         raw=raw if isinstance(raw, dict) else None)


async def verify_email(client: ProviderClient, *, email: str) -> ProviderResult:
    """GET /v2/email-verifier. data: status, result, score, email, accept_all.

    FOUND: valid, webmail, accept_all; INVALID: invalid, disposable; NO_DATA: unknown
    (also 222 "verification failed" and a 202 that stays "in progress").
    """
    email = (_clean(email) or "")
    if not email:
        return client.error(VERIFIER, "missing_input", "There is no email to verify.")
    pending = 0
    while True:
        response = await client.request("GET", "/v2/email-verifier", action=VERIFIER,
                                        params={"email": email})
        if isinstance(response, ProviderResult):
            return response
        if response.status_code == 202:
            pending += 1
            if pending > VERIFY_PENDING_RETRIES:
                return _unknown(client, email, "verification_in_progress",
                                "Hunter was still verifying the email; status unknown.",
                                parse_json(response))
            wait = retry_after_seconds(response)
            await asyncio.sleep(wait if wait is not None else client.backoff_s * 2 ** pending)
            continue
        break
    body = parse_json(response)
    if response.status_code == 222:
        return _unknown(client, email, "verification_failed",
                        "Hunter could not verify the email (the mail server did not answer).",
                        body)
    if body is None:
        return client.malformed(VERIFIER)
    if response.status_code != 200:
        return _error(client, VERIFIER, response, body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data.get("status"):
        return client.error(VERIFIER, "unexpected_answer",
                            "Hunter answered 200 without a verification status.",
                            raw=body if isinstance(body, dict) else None)
    status = str(data["status"])
    out = {
        "status": status,
        "result": data.get("result"),
        "score": data.get("score"),
        "email": data.get("email") or email,
        "accept_all": bool(data.get("accept_all")) or status == "accept_all",
    }
    outcome = _VERIFY_OUTCOME.get(status, Outcome.NO_DATA)
    message = {Outcome.INVALID: f"Hunter says the email is {status}.",
               Outcome.NO_DATA: "Hunter could not tell whether the email is deliverable."}.get(
        outcome, "")
    return client.result(outcome, VERIFIER, out, billable=outcome is not Outcome.NO_DATA,
                         message=message, raw=_scrub(body))
