"""Sandbox Hunter: /v2/email-finder, /v2/email-verifier and /v2/account, Hunter's shapes.

As https://hunter.io/api-documentation/v2 documents them: the key by ``api_key``,
``X-API-KEY`` or ``Authorization: Bearer``; 403 when a key goes over an endpoint's rate
limit (finder 15/s and 500/min, verifier 10/s and 300/min, each its own), 429 when the
plan's usage is used up, and no Retry-After header on either. The verifier's 202
("still verifying") also comes without one.
"""

from __future__ import annotations

from typing import Any

from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key", "test-api-key"}
# Documented per-key limits: (per second, per minute). /v2/account is not limited here.
LIMITS: dict[str, tuple[int, int]] = {
    "/v2/email-finder": (15, 500),
    "/v2/email-verifier": (10, 300),
}
PLAN = {"searches": 50_000, "verifications": 100_000}


def errors(status: int, eid: str, details: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(
        status, {"errors": [{"id": eid, "code": status, "details": details}]}, headers
    )


def key_of(req: Request) -> str | None:
    auth = req.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return req.query.get("api_key") or req.headers.get("x-api-key")


def authorized(req: Request) -> bool:
    return key_of(req) in KEYS


def unauthorized() -> Response:
    return errors(401, "authentication_failed", "No user found for the API key supplied")


def rate_limited(req: Request, state: SandboxState) -> Response | None:
    """403 (Hunter's "rate limit reached", no Retry-After) when this key is over the limit."""
    limits = LIMITS.get(req.path)
    if limits is None:
        return None
    per_second, per_minute = limits
    if state.admit(f"hunter:{key_of(req)}:{req.path}", ((per_second, 1.0), (per_minute, 60.0))):
        return None
    return errors(
        403,
        "too_many_requests",
        f"You have reached the rate limit for this endpoint ({per_second} requests "
        f"per second, {per_minute} per minute).",
    )


def _retry_after(ra: str | None) -> dict[str, str] | None:
    # Hunter sends no Retry-After; a test may still ask for one (X-Sandbox-Retry-After).
    return {"Retry-After": ra} if ra is not None else None


FAULTS = {
    "throttle_429": lambda ra: errors(
        429, "too_many_requests", "You have reached the rate limit for this key.", _retry_after(ra)
    ),
    "forbidden_403": lambda ra: errors(
        403, "too_many_requests", "You have reached the rate limit (requests per second)."
    ),
    "server_error_500": lambda ra: errors(
        500, "server_error", "Something went wrong on Hunter's side."
    ),
    "quota_exhausted": lambda ra: errors(
        429, "usage_limit", "You have reached your monthly usage limit."
    ),
}


def _params(req: Request) -> dict[str, Any]:
    return {k: v for k, v in req.query.items() if k != "api_key"}


HANDLE_DOMAINS = (
    "acme.com",
    "globex.com",
    "initech.com",
    "hooli.com",
    "umbrella.com",
    "vandelay.com",
    "stark.com",
    "wayne.com",
)


def person_from_handle(handle: str) -> data.Person | None:
    """A LinkedIn handle (``jane-doe-1a2b`` or a profile URL): the name from its words, the
    current company a stable pick from the handle (the sandbox has no profile database)."""
    text = handle.strip()
    slug = (
        data.linkedin_key(text if "linkedin.com" in text.lower() else f"linkedin.com/in/{text}")
        or text.lower()
    )
    words = [w for w in slug.split("-") if w.isalpha()]
    if not words:
        return None
    first, last = words[0].capitalize(), (words[1].capitalize() if len(words) > 1 else "")
    return data.person(
        first, last, None, HANDLE_DOMAINS[data.h("handle", slug) % len(HANDLE_DOMAINS)]
    )


def email_finder(req: Request, state: SandboxState) -> Response:
    q = req.query
    meta = {"params": _params(req)}
    handle = q.get("linkedin_handle", "").strip()
    domain_param, company = q.get("domain", "").strip(), q.get("company", "").strip()
    first, last, full = (
        q.get("first_name", "").strip(),
        q.get("last_name", "").strip(),
        q.get("full_name", "").strip(),
    )
    if handle and not ((first and last) or full):
        p = person_from_handle(handle)
        if p is None:
            return errors(400, "invalid_linkedin_handle", "The LinkedIn handle is not valid")
        return _found_or_not(p, meta, state, req)
    if not domain_param and not company:
        return errors(400, "wrong_params", "You are missing the domain or the company parameter")
    if not ((first and last) or full):
        return errors(
            400,
            "wrong_params",
            "You are missing the first_name and last_name, or the full_name parameter",
        )
    if full and not first and len(full.split()) < 2:
        return errors(400, "invalid_full_name", "The full name must contain a first and last name")
    if "max_duration" in q:
        try:
            ok = 3 <= int(q["max_duration"]) <= 20
        except ValueError:
            ok = False
        if not ok:
            return errors(400, "invalid_max_duration", "max_duration must be between 3 and 20")
    if domain_param and data.domain_of(domain_param) is None:
        return errors(400, "invalid_domain", f"{domain_param} is not a valid domain name")
    p = data.person(first, last, full, domain_param or company)
    if not p.valid:
        return errors(400, "invalid_first_name", "The first name is not valid")
    return _found_or_not(p, meta, state, req)


def _found_or_not(
    p: data.Person, meta: dict[str, Any], state: SandboxState, req: Request
) -> Response:
    base = {
        "first_name": p.first,
        "last_name": p.last,
        "domain": p.domain,
        "company": p.domain.split(".")[0].capitalize(),
    }
    if not data.provider_hit("hunter", p):
        empty = {
            **base,
            "email": None,
            "score": None,
            "accept_all": data.is_catch_all(p.domain),
            "position": None,
            "twitter": None,
            "linkedin_url": None,
            "phone_number": None,
            "sources": [],
            "verification": {"date": None, "status": None},
        }
        return json_response(200, {"data": empty, "meta": meta})
    state.bump(f"hunter-searches:{key_of(req)}")  # 1 search per email found, none otherwise
    email = data.email_for(p)
    verdict = data.verify(email)
    status = (
        verdict.status
        if verdict.http_status == 200 and verdict.status in {"valid", "accept_all", "unknown"}
        else None
    )
    found = {
        **base,
        "email": email,
        "score": data.score_for(p),
        "accept_all": data.is_catch_all(p.domain),
        "position": data.title_for(p.key),
        "twitter": None,
        "linkedin_url": data.linkedin_for(p) if data.pct("li", p.key) < 70 else None,
        "phone_number": None,
        "sources": [
            {
                "domain": p.domain,
                "uri": f"https://{p.domain}/team",
                "extracted_on": "2026-03-02",
                "last_seen_on": "2026-10-30",
                "still_on_page": True,
            }
        ],
        "verification": {"date": "2026-11-01", "status": status},
    }
    return json_response(200, {"data": found, "meta": meta})


def email_verifier(req: Request, state: SandboxState) -> Response:
    email = req.query.get("email", "").strip()
    if not email:
        return errors(400, "wrong_params", "You are missing the email parameter")
    verdict = data.verify(email)
    if verdict.http_status == 202 and state.first_time("verify-pending", email.lower()):
        # Still verifying: ask again (no Retry-After, as Hunter); counted once when answered.
        return json_response(
            202, {"data": {"email": email, "status": None}, "meta": {"params": {"email": email}}}
        )
    if verdict.http_status == 222:
        return errors(
            222,
            "verification_failed",
            "The verification failed because of an unexpected SMTP response",
        )
    if verdict.status not in {"webmail", "unknown", "disposable"}:
        state.bump(f"hunter-verifications:{key_of(req)}")
    domain = email.rsplit("@", 1)[-1].lower()
    body = {
        "status": verdict.status,
        "result": verdict.result,
        "score": verdict.score,
        "email": email,
        "regexp": verdict.status != "invalid" or "@" in email,
        "gibberish": False,
        "disposable": verdict.status == "disposable",
        "webmail": verdict.status == "webmail",
        "mx_records": verdict.result != "undeliverable",
        "smtp_server": verdict.result != "undeliverable",
        "smtp_check": verdict.status == "valid",
        "accept_all": verdict.status == "accept_all",
        "block": False,
        "sources": [
            {
                "domain": domain,
                "uri": f"https://{domain}/contact",
                "extracted_on": "2026-05-11",
                "last_seen_on": "2026-11-01",
                "still_on_page": True,
            }
        ]
        if verdict.status == "valid"
        else [],
    }
    return json_response(200, {"data": body, "meta": {"params": {"email": email}}})


def account(req: Request, state: SandboxState) -> Response:
    """GET /v2/account (free): plan and the searches/verifications used and available."""
    key = key_of(req)
    searches = state.count(f"hunter-searches:{key}")
    verifications = state.count(f"hunter-verifications:{key}")
    return json_response(
        200,
        {
            "data": {
                "first_name": "Sandbox",
                "last_name": "User",
                "email": "sandbox@example.com",
                "plan_name": "Sandbox",
                "plan_level": 1,
                "reset_date": "2027-01-01",
                "team_id": 1,
                "calls": {
                    "_deprecation_notice": "Sums the searches and the verifications.",
                    "used": searches + verifications,
                    "available": PLAN["searches"] + PLAN["verifications"],
                },
                "requests": {
                    "searches": {"used": searches, "available": PLAN["searches"]},
                    "verifications": {"used": verifications, "available": PLAN["verifications"]},
                },
            }
        },
    )


ROUTES = {
    ("GET", "/v2/email-finder"): email_finder,
    ("GET", "/v2/email-verifier"): email_verifier,
    ("GET", "/v2/account"): account,
}
