"""Sandbox Prospeo: /email-finder, /mobile-finder, /enrich-person, Prospeo's shapes.

Like the real API, "no result" comes on 200 or on 400 (chosen by hash), and
enrich-person uses ``error_code`` where the finders use ``message``.
"""

from __future__ import annotations

from typing import Any

from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key"}
RATE_HEADERS = {"x-second-rate-limit": "10", "x-minute-request-left": "299",
                "x-minute-reset-seconds": "60", "x-daily-request-left": "9999",
                "x-daily-reset-seconds": "86400"}


def error(status: int, code: str, details: str, *, enrich: bool = False,
          headers: dict[str, str] | None = None) -> Response:
    if enrich:
        return json_response(status, {"error": True, "error_code": code}, headers)
    return json_response(status, {"error": True, "message": code, "details": details}, headers)


def authorized(req: Request) -> bool:
    return req.headers.get("x-key") in KEYS


def unauthorized(req: Request) -> Response:
    return error(401, "INVALID_API_KEY", "Invalid API key.",
                 enrich=req.path.endswith("/enrich-person"))


def fault(name: str, req: Request, retry_after: str) -> Response | None:
    enrich = req.path.endswith("/enrich-person")
    if name == "throttle_429":
        return error(429, "RATE_LIMITED", "Too many requests.", enrich=enrich,
                     headers={"Retry-After": retry_after, "x-minute-request-left": "0"})
    if name == "forbidden_403":
        return error(403, "ACCESS_DENIED", "This key may not call this endpoint.", enrich=enrich)
    if name == "server_error_500":
        return error(500, "INTERNAL_ERROR", "Something went wrong.", enrich=enrich)
    if name == "quota_exhausted":
        return error(400, "INSUFFICIENT_CREDITS", "Not enough credits.", enrich=enrich)
    return None


def _body(req: Request) -> dict[str, Any] | None:
    body = req.json()
    return body if isinstance(body, dict) else None


def _no_result(key: str) -> Response:
    # The real API has been seen answering NO_RESULT with 200 and with 400.
    status = 400 if data.pct("no-result-status", key) < 50 else 200
    return json_response(status, {"error": True, "message": "NO_RESULT"}, RATE_HEADERS)


def email_finder(req: Request, state: SandboxState) -> Response:
    body = _body(req)
    if body is None:
        return error(400, "INVALID_PARAM", "The body must be a JSON object.")
    company = str(body.get("company") or "").strip()
    first, last = str(body.get("first_name") or ""), str(body.get("last_name") or "")
    full = str(body.get("full_name") or "")
    if not company:
        return error(400, "INVALID_PARAM", "company is required.")
    if not ((first.strip() and last.strip()) or full.strip()):
        return error(400, "INVALID_PARAM", "first_name and last_name, or full_name, are required.")
    p = data.person(first, last, full, company)
    if not p.valid:
        return error(400, "INVALID_PARAM", "The name is not valid.")
    if not data.provider_hit("prospeo", p):
        return _no_result(p.key)
    catch_all = data.is_catch_all(p.domain)
    email = data.email_for(p)
    response = {
        "free": catch_all,
        "email": email,
        "email_anon_id": f"{data.h('anon', email) % 16**12:012x}",
        "email_status": "CATCH_ALL" if catch_all else "VALID",
        "first_name": p.first, "last_name": p.last, "domain": p.domain,
        "total_emails": 1 + data.h("total", p.domain) % 40,
    }
    return json_response(200, {"error": False, "response": response}, RATE_HEADERS)


def mobile_finder(req: Request, state: SandboxState) -> Response:
    body = _body(req)
    url = str((body or {}).get("url") or "").strip()
    key = data.linkedin_key(url)
    if body is None or not key:
        return error(400, "INVALID_PARAM", "url must be a LinkedIn profile URL.")
    if data.pct("hit", "mobile", key) >= data.HIT_RATES["mobile"]:
        return _no_result(key)
    return json_response(200, {"error": False, "response": data.phone_fields(key)}, RATE_HEADERS)


def _person_from(points: dict[str, Any]) -> tuple[data.Person | None, str]:
    li = data.linkedin_key(str(points.get("linkedin_url") or ""))
    first, last = str(points.get("first_name") or ""), str(points.get("last_name") or "")
    full = str(points.get("full_name") or "")
    company = str(points.get("company_website") or points.get("company_domain")
                  or points.get("company_name") or "")
    if not (first or full) and li:
        parts = [w for w in li.split("-") if w.isalpha()]
        first, last = (parts + ["", ""])[0].capitalize(), (parts + ["", ""])[1].capitalize()
        company = company or f"{parts[-1] if parts else 'company'}.com"
    p = data.person(first, last, full, company)
    if not p.valid:
        return None, li
    return p, li or p.key


def enrich_person(req: Request, state: SandboxState) -> Response:
    body = _body(req)
    points = (body or {}).get("data")
    if not isinstance(points, dict):
        return error(400, "INVALID_DATAPOINTS", "data is required.", enrich=True)
    p, key = _person_from(points)
    if p is None:
        return error(400, "INVALID_DATAPOINTS", "Not enough datapoints to match.", enrich=True)
    if data.pct("hit", "enrich", p.key) >= data.HIT_RATES["enrich"]:
        return error(400, "NO_MATCH", "No match.", enrich=True)
    only_verified = bool(body.get("only_verified_email", True))
    want_mobile = bool(body.get("enrich_mobile", False))
    email = data.email_for(p)
    if not data.is_catch_all(p.domain):
        email_obj: dict[str, Any] = {"status": "VERIFIED", "email": email}
    elif only_verified:
        email_obj = {"status": "UNAVAILABLE", "email": None}
    else:
        email_obj = {"status": "CATCH_ALL", "email": email}
    linkedin = str(points.get("linkedin_url") or "") or data.linkedin_for(p)
    lkey = data.linkedin_key(linkedin)
    mobile: dict[str, Any] = {"status": "UNAVAILABLE"}
    if want_mobile and data.pct("hit", "mobile", lkey) < data.HIT_RATES["mobile"]:
        phone = data.phone_fields(lkey)
        mobile = {"status": "VERIFIED", "mobile": phone["raw_format"],
                  "mobile_international": phone["international_format"],
                  "mobile_national": phone["national_format"],
                  "mobile_country_code": phone["country_code"]}
    free = not state.first_time("enrich", f"{p.key}|{want_mobile}")
    person = {
        "full_name": f"{p.first} {p.last}".strip(),
        "first_name": p.first, "last_name": p.last,
        "current_job_title": data.title_for(p.key),
        "linkedin_url": linkedin,
        "email": email_obj,
        "mobile": mobile,
    }
    company = {"name": p.domain.split(".")[0].capitalize(), "website": f"https://{p.domain}",
               "domain": p.domain,
               "industry": data.INDUSTRIES[data.h("industry", p.domain) % len(data.INDUSTRIES)],
               "employee_count": 10 + data.h("size", p.domain) % 5000}
    return json_response(200, {"error": False, "free_enrichment": free, "person": person,
                                "company": company}, RATE_HEADERS)


ROUTES = {
    ("POST", "/email-finder"): email_finder,
    ("POST", "/mobile-finder"): mobile_finder,
    ("POST", "/enrich-person"): enrich_person,
}
