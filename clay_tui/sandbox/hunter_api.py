"""Sandbox Hunter: /v2/email-finder and /v2/email-verifier, Hunter's shapes and errors."""

from __future__ import annotations

from typing import Any

from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key", "test-api-key"}


def errors(status: int, eid: str, details: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"errors": [{"id": eid, "code": status, "details": details}]},
                         headers)


def authorized(req: Request) -> bool:
    key = req.query.get("api_key") or req.headers.get("x-api-key")
    return key in KEYS


def unauthorized() -> Response:
    return errors(401, "authentication_failed", "No user found for the API key supplied")


FAULTS = {
    "throttle_429": lambda ra: errors(429, "too_many_requests",
                                      "You have reached the rate limit for this key.",
                                      {"Retry-After": ra}),
    "forbidden_403": lambda ra: errors(403, "too_many_requests",
                                       "You have reached the rate limit (requests per second)."),
    "server_error_500": lambda ra: errors(500, "server_error",
                                          "Something went wrong on Hunter's side."),
    "quota_exhausted": lambda ra: errors(429, "usage_limit",
                                         "You have reached your monthly usage limit."),
}


def _params(req: Request) -> dict[str, Any]:
    return {k: v for k, v in req.query.items() if k != "api_key"}


def email_finder(req: Request, state: SandboxState) -> Response:
    q = req.query
    domain_param, company = q.get("domain", "").strip(), q.get("company", "").strip()
    if not domain_param and not company:
        return errors(400, "wrong_params", "You are missing the domain or the company parameter")
    first, last, full = (q.get("first_name", "").strip(), q.get("last_name", "").strip(),
                         q.get("full_name", "").strip())
    if not ((first and last) or full):
        return errors(400, "wrong_params",
                      "You are missing the first_name and last_name, or the full_name parameter")
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
    meta = {"params": _params(req)}
    base = {"first_name": p.first, "last_name": p.last, "domain": p.domain,
            "company": p.domain.split(".")[0].capitalize()}
    if not data.provider_hit("hunter", p):
        empty = {**base, "email": None, "score": None, "accept_all": data.is_catch_all(p.domain),
                 "position": None, "twitter": None, "linkedin_url": None, "phone_number": None,
                 "sources": [], "verification": {"date": None, "status": None}}
        return json_response(200, {"data": empty, "meta": meta})
    email = data.email_for(p)
    verdict = data.verify(email)
    status = (verdict.status if verdict.http_status == 200
              and verdict.status in {"valid", "accept_all", "unknown"} else None)
    found = {
        **base,
        "email": email,
        "score": data.score_for(p),
        "accept_all": data.is_catch_all(p.domain),
        "position": data.title_for(p.key),
        "twitter": None,
        "linkedin_url": data.linkedin_for(p) if data.pct("li", p.key) < 70 else None,
        "phone_number": None,
        "sources": [{"domain": p.domain, "uri": f"https://{p.domain}/team",
                     "extracted_on": "2026-03-02", "last_seen_on": "2026-10-30",
                     "still_on_page": True}],
        "verification": {"date": "2026-11-01", "status": status},
    }
    return json_response(200, {"data": found, "meta": meta})


def email_verifier(req: Request, state: SandboxState) -> Response:
    email = req.query.get("email", "").strip()
    if not email:
        return errors(400, "wrong_params", "You are missing the email parameter")
    verdict = data.verify(email)
    if verdict.http_status == 202 and state.first_time("verify-pending", email.lower()):
        # A short Retry-After (the real API sends none) keeps zero-latency benchmarks fast.
        return json_response(202, {"data": {"email": email, "status": None},
                                   "meta": {"params": {"email": email}}},
                             {"Retry-After": "0.05"})
    if verdict.http_status == 222:
        return errors(222, "verification_failed",
                      "The verification failed because of an unexpected SMTP response")
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
        "sources": [{"domain": domain, "uri": f"https://{domain}/contact",
                     "extracted_on": "2026-05-11", "last_seen_on": "2026-11-01",
                     "still_on_page": True}] if verdict.status == "valid" else [],
    }
    return json_response(200, {"data": body, "meta": {"params": {"email": email}}})


ROUTES = {
    ("GET", "/v2/email-finder"): email_finder,
    ("GET", "/v2/email-verifier"): email_verifier,
}
