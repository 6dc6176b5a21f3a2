"""Sandbox Prospeo on its current API: /enrich-person and /account-information.

Shapes from https://prospeo.io/api-docs/enrich-person: every answer carries
``"error": bool``; errors are ``{"error": true, "error_code": ...}`` (no match:
400 NO_MATCH). Billing as documented, kept per key and shown by the free
/account-information: 1 credit per match, 10 with a mobile, nothing for no match,
nothing for a record the key already enriched (``free_enrichment: true``).
"""

from __future__ import annotations

from typing import Any

from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key"}
PLAN_CREDITS = 100_000  # the sandbox plan's monthly credits
BULK_MAX = 50  # records per bulk-enrich-person request
RATE_HEADERS = {
    "x-second-rate-limit": "10",
    "x-minute-request-left": "299",
    "x-minute-reset-seconds": "60",
    "x-daily-request-left": "9999",
    "x-daily-reset-seconds": "86400",
}


def error(status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"error": True, "error_code": code}, headers)


def authorized(req: Request) -> bool:
    return req.headers.get("x-key") in KEYS


def unauthorized(req: Request) -> Response:
    return error(401, "INVALID_API_KEY")


def fault(name: str, req: Request, retry_after: str) -> Response | None:
    if name == "throttle_429":
        return error(
            429, "RATE_LIMITED", headers={"Retry-After": retry_after, "x-minute-request-left": "0"}
        )
    if name == "forbidden_403":
        return error(403, "ACCESS_DENIED")
    if name == "server_error_500":
        return error(500, "INTERNAL_ERROR")
    if name == "quota_exhausted":
        return error(400, "INSUFFICIENT_CREDITS")
    return None


def _person_from(points: dict[str, Any]) -> tuple[data.Person | None, str, bool]:
    """(person, linkedin slug, matched by LinkedIn URL alone)."""
    li = data.linkedin_key(str(points.get("linkedin_url") or ""))
    first, last = str(points.get("first_name") or ""), str(points.get("last_name") or "")
    full = str(points.get("full_name") or "")
    company = str(
        points.get("company_website")
        or points.get("company_domain")
        or points.get("company_name")
        or ""
    )
    by_linkedin = bool(li) and not (first.strip() or full.strip())
    if by_linkedin:
        parts = [w for w in li.split("-") if w.isalpha()]
        first, last = (parts + ["", ""])[0].capitalize(), (parts + ["", ""])[1].capitalize()
        company = company or f"{parts[-1] if parts else 'company'}.com"
    p = data.person(first, last, full, company)
    if not p.valid:
        return None, li, by_linkedin
    return p, li, by_linkedin


def _mobile(lkey: str) -> dict[str, Any]:
    if data.pct("hit", "mobile", lkey) >= data.HIT_RATES["mobile"]:
        return {"status": "UNAVAILABLE", "revealed": False, "mobile": None}
    phone = data.phone_fields(lkey)
    return {
        "status": "VERIFIED",
        "revealed": True,
        "mobile": phone["international_format"],
        "mobile_national": phone["national_format"],
        "mobile_international": phone["international_format"],
        "mobile_country": phone["country_code"],
        "mobile_country_code": phone["country_code"],
    }


def _enrich_one(
    points: Any, body: dict[str, Any], key: str, state: SandboxState
) -> tuple[str | None, dict[str, Any]]:
    """(error code or None, the match: free_enrichment, person, company). Bills as documented."""
    if not isinstance(points, dict):
        return "INVALID_DATAPOINTS", {}
    p, li, by_linkedin = _person_from(points)
    if p is None:
        return "INVALID_DATAPOINTS", {}
    # A LinkedIn URL always finds the person; name + company finds Prospeo's share.
    if not by_linkedin and not data.provider_hit("prospeo", p):
        return "NO_MATCH", {}
    only_verified_mobile = bool(body.get("only_verified_mobile", False))
    want_mobile = bool(body.get("enrich_mobile", False)) or only_verified_mobile
    verified = not data.is_catch_all(p.domain)
    if bool(body.get("only_verified_email", False)) and not verified:
        return "NO_MATCH", {}  # unverified results are not returned, not billed
    linkedin = str(points.get("linkedin_url") or "") or data.linkedin_for(p)
    lkey = data.linkedin_key(linkedin)
    mobile = (
        _mobile(lkey)
        if want_mobile
        else {"status": "UNAVAILABLE", "revealed": False, "mobile": None}
    )
    if only_verified_mobile and not mobile["revealed"]:
        return "NO_MATCH", {}
    person_id = f"{data.h('person', p.key) % 16**24:024x}"
    free = not state.first_time("enrich", f"{key}|{person_id}|{mobile['revealed']}")
    if not free:
        state.bump(f"prospeo-used:{key}", 10 if mobile["revealed"] else 1)
    company_name = p.domain.split(".")[0].capitalize()
    person = {
        "person_id": person_id,
        "first_name": p.first,
        "last_name": p.last,
        "full_name": f"{p.first} {p.last}".strip(),
        "linkedin_url": linkedin,
        "current_job_title": data.title_for(p.key),
        "current_job_key": f"{data.h('job', p.key) % 16**24:024x}",
        "headline": f"{data.title_for(p.key)} at {company_name}",
        "job_history": [
            {
                "title": data.title_for(p.key),
                "company_name": company_name,
                "current": True,
                "start_year": 2020 + data.h("start", p.key) % 6,
                "start_month": 1 + data.h("month", p.key) % 12,
                "end_year": None,
                "end_month": None,
                "duration_in_months": 1 + data.h("d", p.key) % 60,
                "departments": [],
            }
        ],
        "linkedin_member_id": str(100_000_000 + data.h("member", p.key) % 900_000_000),
        "last_job_change_detected_at": None,
        "email": {
            "status": "VERIFIED" if verified else "UNVERIFIED",
            "revealed": True,
            "email": data.email_for(p),
        },
        "mobile": mobile,
    }
    company = {
        "name": company_name,
        "website": f"https://{p.domain}",
        "domain": p.domain,
        "industry": data.INDUSTRIES[data.h("industry", p.domain) % len(data.INDUSTRIES)],
        "employee_count": 10 + data.h("size", p.domain) % 5000,
    }
    cost = 0 if free else (10 if mobile["revealed"] else 1)
    return None, {"free_enrichment": free, "person": person, "company": company, "cost": cost}


def enrich_person(req: Request, state: SandboxState) -> Response:
    body = req.json()
    body = body if isinstance(body, dict) else {}
    code, match = _enrich_one(body.get("data"), body, req.headers.get("x-key", ""), state)
    if code is not None:
        return error(400, code)
    match.pop("cost")
    return json_response(200, {"error": False, **match}, RATE_HEADERS)


def bulk_enrich_person(req: Request, state: SandboxState) -> Response:
    """Up to 50 records, each with an ``identifier``; matches attributed by identifier."""
    body = req.json()
    body = body if isinstance(body, dict) else {}
    records = body.get("data")
    if not isinstance(records, list) or not records or len(records) > BULK_MAX:
        return error(400, "INVALID_REQUEST")
    key = req.headers.get("x-key", "")
    matched: list[dict[str, Any]] = []
    not_matched: list[str] = []
    invalid: list[str] = []
    total = 0
    for record in records:
        ident = str(record.get("identifier") or "") if isinstance(record, dict) else ""
        if not ident:
            return error(400, "INVALID_REQUEST")
        points = {k: v for k, v in record.items() if k != "identifier"}
        code, match = _enrich_one(points, body, key, state)
        if code == "INVALID_DATAPOINTS":
            invalid.append(ident)
        elif code is not None:
            not_matched.append(ident)
        else:
            total += match.pop("cost")
            matched.append({"identifier": ident, **match})
    return json_response(
        200,
        {
            "error": False,
            "total_cost": total,
            "matched": matched,
            "not_matched": not_matched,
            "invalid_datapoints": invalid,
        },
        RATE_HEADERS,
    )


def account_information(req: Request, state: SandboxState) -> Response:
    used = state.count(f"prospeo-used:{req.headers.get('x-key', '')}")
    return json_response(
        200,
        {
            "error": False,
            "response": {
                "current_plan": "SANDBOX",
                "current_team_members": 1,
                "remaining_credits": max(0, PLAN_CREDITS - used),
                "used_credits": used,
                "next_quota_renewal_days": 30,
                "next_quota_renewal_date": "2027-01-01 00:00:00+00:00",
            },
        },
        RATE_HEADERS,
    )


ROUTES = {
    ("POST", "/enrich-person"): enrich_person,
    ("POST", "/bulk-enrich-person"): bulk_enrich_person,
    ("POST", "/account-information"): account_information,
    ("GET", "/account-information"): account_information,
}
