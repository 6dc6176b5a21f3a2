"""Sandbox HubSpot: the CRM v3 objects and v4 associations endpoints a push uses, in HubSpot's
shapes (https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/
upsert-contacts, .../companies/search, .../associations/associate-records/batch/
create-associations, https://developers.hubspot.com/docs/developer-tooling/platform/
usage-guidelines).

- A private app's token as ``Authorization: Bearer``; anything else is HubSpot's 401 body.
- At most 100 inputs per batch (400 VALIDATION_ERROR above that); duplicate ids in one batch
  are refused whole, as HubSpot does.
- Batch upsert answers 200 when every input was applied, 207 (multi-status) with ``errors``
  and ``numErrors`` when some were refused (an invalid email, a property the portal does not
  have); each error names its input (``context.ids``) and property (``errors[].in``).
- Limits of a Free/Starter private app: 100 requests per 10 s, and the CRM search API 5
  requests per second; over either: 429 with HubSpot's RATE_LIMIT body and
  ``X-HubSpot-RateLimit-*`` headers, no Retry-After.

The portal (contacts, companies, associations) outlives the process, as a real portal does,
so pushing again updates instead of creating: a SQLite file in ``CLAY_TUI_SANDBOX_DIR``
(default: the user data folder's ``sandbox/``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

TOKENS = {"sandbox-key", "test-api-key"}
MAX_INPUTS = 100
BURST = (100, 10.0)  # requests per 10 s (Free/Starter private app)
SEARCH = (5, 1.0)  # CRM search requests per second
CONTACT_TO_COMPANY = 279  # HubSpot's default contact -> company association type id
CONTACT_PROPERTIES = frozenset(
    {
        "email",
        "firstname",
        "lastname",
        "jobtitle",
        "company",
        "phone",
        "mobilephone",
        "website",
        "city",
        "state",
        "country",
        "zip",
        "address",
        "industry",
        "lifecyclestage",
        "hs_lead_status",
        "numemployees",
        "annualrevenue",
        "linkedinbio",
    }
)
COMPANY_PROPERTIES = frozenset(
    {"domain", "name", "industry", "city", "state", "country", "numberofemployees", "phone"}
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_lock = threading.Lock()


def portal_path() -> Path:
    """Where the sandbox portal lives (read each time: tests point it at a temp folder)."""
    folder = os.environ.get("CLAY_TUI_SANDBOX_DIR")
    if folder:
        base = Path(folder)
    else:
        import platformdirs

        base = Path(platformdirs.user_data_dir("clay-tui")) / "sandbox"
    return base / "hubspot-portal.db"


def _db() -> sqlite3.Connection:
    path = portal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL,"
        " properties TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS companies (id INTEGER PRIMARY KEY, domain TEXT,"
        " properties TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS associations (contact_id INTEGER, company_id INTEGER,"
        " PRIMARY KEY (contact_id, company_id));"
    )
    return db


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _correlation(req: Request) -> str:
    digest = hashlib.sha1(req.body + req.path.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def error(status: int, category: str, message: str, req: Request, **extra: Any) -> Response:
    body = {
        "status": "error",
        "message": message,
        "correlationId": _correlation(req),
        "category": category,
    }
    return json_response(status, {**body, **extra})


def token_of(req: Request) -> str | None:
    auth = req.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else None


def authorized(req: Request) -> bool:
    return token_of(req) in TOKENS


def unauthorized(req: Request) -> Response:
    return error(
        401,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and"
        " you can find more details at https://developers.hubspot.com/docs/methods/auth/"
        "oauth-overview",
        req,
    )


def rate_limited(req: Request, state: SandboxState) -> Response | None:
    """HubSpot's 429 when the token is over its burst (or the search API's) limit."""
    token = token_of(req)
    limits = [BURST]
    if req.path.endswith("/search"):
        limits.append(SEARCH)
    if state.admit(f"hubspot:{token}:{'search' if len(limits) > 1 else 'all'}", tuple(limits)):
        return None
    policy = "SECONDLY" if len(limits) > 1 else "TEN_SECONDLY_ROLLING"
    limit, seconds = limits[-1]
    return rate_limit_answer(
        policy,
        _correlation(req),
        {
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": "0",
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(seconds * 1000)),
        },
    )


def rate_limit_answer(
    policy: str, correlation: str, headers: dict[str, str] | None = None
) -> Response:
    """HubSpot's 429 for one of its rate-limit policies (TEN_SECONDLY_ROLLING, SECONDLY, DAILY)."""
    body = {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": correlation,
        "policyName": policy,
    }
    return json_response(429, body, headers)


def _inputs(req: Request) -> list[Any] | Response:
    body = req.json()
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not inputs:
        return error(400, "VALIDATION_ERROR", "Invalid input JSON: no inputs were given.", req)
    if len(inputs) > MAX_INPUTS:
        return error(
            400,
            "VALIDATION_ERROR",
            f"Batch input limit exceeded: {len(inputs)} inputs, at most {MAX_INPUTS}.",
            req,
        )
    return inputs


def _record(row: tuple, *, new: bool | None = None) -> dict[str, Any]:
    rid, props, created, updated = row
    out: dict[str, Any] = {
        "id": str(rid),
        "properties": json.loads(props),
        "createdAt": created,
        "updatedAt": updated,
        "archived": False,
    }
    if new is not None:
        out["new"] = new
    return out


def _input_error(req_id: str, prop: str, code: str, message: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": message,
        "context": {"ids": [req_id]},
        "errors": [{"message": message, "code": code, "in": prop}],
    }


def _check_contact(item: Any) -> tuple[str, dict[str, str]] | dict[str, Any]:
    """(email, properties) of one upsert input, or its error."""
    if not isinstance(item, dict):
        return _input_error("", "inputs", "INVALID_INPUT", "An input is not an object.")
    rid = str(item.get("id") or "")
    if item.get("idProperty") != "email":
        return _input_error(
            rid, "idProperty", "INVALID_ID_PROPERTY", "idProperty must be a unique property."
        )
    props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
    for name in props:
        if name not in CONTACT_PROPERTIES:
            return _input_error(
                rid, name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'
            )
    if not EMAIL.match(rid):
        return _input_error(rid, "email", "INVALID_EMAIL", f"Email address {rid} is invalid")
    clean = {k: "" if v is None else str(v) for k, v in props.items()}
    return rid.lower(), clean


def contacts_upsert(req: Request, state: SandboxState) -> Response:
    inputs = _inputs(req)
    if isinstance(inputs, Response):
        return inputs
    ids = [str(i.get("id") or "").lower() for i in inputs if isinstance(i, dict)]
    if len(set(ids)) != len(ids):
        return error(400, "VALIDATION_ERROR", "Duplicate IDs found in batch input.", req)
    started, results, errors = _now(), [], []
    with _lock:
        db = _db()
        try:
            db.execute("BEGIN IMMEDIATE")
            for item in inputs:
                checked = _check_contact(item)
                if isinstance(checked, dict):
                    errors.append(checked)
                    continue
                email, props = checked
                at = _now()
                row = db.execute(
                    "SELECT id, properties FROM contacts WHERE email = ?", (email,)
                ).fetchone()
                if row is None:
                    merged = {**props, "email": email}
                    cur = db.execute(
                        "INSERT INTO contacts (email, properties, created_at, updated_at)"
                        " VALUES (?,?,?,?)",
                        (email, json.dumps(merged), at, at),
                    )
                    rid, new = cur.lastrowid, True
                else:
                    rid, new = row[0], False
                    merged = {**json.loads(row[1]), **props, "email": email}
                    db.execute(
                        "UPDATE contacts SET properties = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(merged), at, rid),
                    )
                got = db.execute(
                    "SELECT id, properties, created_at, updated_at FROM contacts WHERE id = ?",
                    (rid,),
                ).fetchone()
                results.append(_record(got, new=new))
            db.execute("COMMIT")
        finally:
            db.close()
    payload: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": _now(),
    }
    if errors:
        payload.update(numErrors=len(errors), errors=errors)
    return json_response(207 if errors else 200, payload)


def contacts_read(req: Request, state: SandboxState) -> Response:
    """POST /crm/v3/objects/contacts/batch/read (by id or ``idProperty``), with each contact's
    associated company ids under ``associations`` (what a test or ``providers check`` reads)."""
    inputs = _inputs(req)
    if isinstance(inputs, Response):
        return inputs
    by = (req.json() or {}).get("idProperty") or "hs_object_id"
    with _lock:
        db = _db()
        try:
            results = []
            for item in inputs:
                key = str((item or {}).get("id") or "")
                col, val = ("email", key.lower()) if by == "email" else ("id", key)
                row = db.execute(
                    f"SELECT id, properties, created_at, updated_at FROM contacts WHERE {col} = ?",
                    (val,),
                ).fetchone()
                if row is None:
                    continue
                rec = _record(row)
                companies = [
                    {"id": str(r[0]), "type": "contact_to_company"}
                    for r in db.execute(
                        "SELECT company_id FROM associations WHERE contact_id = ?", (row[0],)
                    )
                ]
                rec["associations"] = {"companies": {"results": companies}}
                results.append(rec)
        finally:
            db.close()
    return json_response(200, {"status": "COMPLETE", "results": results})


def companies_search(req: Request, state: SandboxState) -> Response:
    """POST /crm/v3/objects/companies/search: ``domain`` EQ or IN filters (the ones a push
    uses); at most 200 results a page."""
    body = req.json()
    groups = body.get("filterGroups") if isinstance(body, dict) else None
    wanted: set[str] = set()
    for group in groups or []:
        for f in (group or {}).get("filters") or []:
            if f.get("propertyName") != "domain":
                return error(
                    400, "VALIDATION_ERROR", "The sandbox searches companies by domain.", req
                )
            op = f.get("operator")
            if op == "EQ":
                wanted.add(str(f.get("value") or "").lower())
            elif op == "IN":
                wanted |= {str(v).lower() for v in f.get("values") or []}
            else:
                return error(400, "VALIDATION_ERROR", f"Unsupported operator {op}.", req)
    limit = min(int((body or {}).get("limit") or 10), 200)
    with _lock:
        db = _db()
        try:
            rows = [
                r
                for d in sorted(wanted)
                for r in db.execute(
                    "SELECT id, properties, created_at, updated_at FROM companies"
                    " WHERE domain = ? ORDER BY id",
                    (d,),
                )
            ]
        finally:
            db.close()
    return json_response(200, {"total": len(rows), "results": [_record(r) for r in rows[:limit]]})


def companies_create(req: Request, state: SandboxState) -> Response:
    inputs = _inputs(req)
    if isinstance(inputs, Response):
        return inputs
    started = _now()
    for item in inputs:
        props = (item or {}).get("properties") or {}
        bad = [n for n in props if n not in COMPANY_PROPERTIES]
        if bad:
            return error(
                400,
                "VALIDATION_ERROR",
                f'Property values were not valid: Property "{bad[0]}" does not exist',
                req,
                errors=[{"message": f'Property "{bad[0]}" does not exist', "in": bad[0]}],
            )
    results = []
    with _lock:
        db = _db()
        try:
            db.execute("BEGIN IMMEDIATE")
            for item in inputs:
                props = {k: str(v) for k, v in (item.get("properties") or {}).items()}
                at = _now()
                domain = props.get("domain", "").lower() or None
                cur = db.execute(
                    "INSERT INTO companies (domain, properties, created_at, updated_at)"
                    " VALUES (?,?,?,?)",
                    (domain, json.dumps(props), at, at),
                )
                results.append(_record((cur.lastrowid, json.dumps(props), at, at)))
            db.execute("COMMIT")
        finally:
            db.close()
    return json_response(
        201,
        {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now()},
    )


def associate_default(req: Request, state: SandboxState) -> Response:
    """POST /crm/v4/associations/contacts/companies/batch/associate/default."""
    inputs = _inputs(req)
    if isinstance(inputs, Response):
        return inputs
    started, results = _now(), []
    with _lock:
        db = _db()
        try:
            db.execute("BEGIN IMMEDIATE")
            for item in inputs:
                try:
                    a = int(item["from"]["id"])
                    b = int(item["to"]["id"])
                except (KeyError, TypeError, ValueError):
                    db.execute("ROLLBACK")
                    return error(400, "VALIDATION_ERROR", "from.id and to.id are required.", req)
                known = db.execute("SELECT 1 FROM contacts WHERE id = ?", (a,)).fetchone()
                known = (
                    known and db.execute("SELECT 1 FROM companies WHERE id = ?", (b,)).fetchone()
                )
                if not known:
                    db.execute("ROLLBACK")
                    return error(
                        404, "OBJECT_NOT_FOUND", f"No contact {a} or company {b} exists.", req
                    )
                db.execute("INSERT OR IGNORE INTO associations VALUES (?, ?)", (a, b))
                results.append(
                    {
                        "from": {"id": str(a)},
                        "to": {"id": str(b)},
                        "associationSpec": {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": CONTACT_TO_COMPANY,
                        },
                    }
                )
            db.execute("COMMIT")
        finally:
            db.close()
    return json_response(
        200,
        {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now()},
    )


def account_details(req: Request, state: SandboxState) -> Response:
    """GET /account-info/v3/details (free): what ``providers check`` reads."""
    return json_response(
        200,
        {
            "portalId": 4242424,
            "accountType": "STANDARD",
            "timeZone": "UTC",
            "companyCurrency": "USD",
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        },
    )


def _fault_body(status: int, category: str, message: str) -> Response:
    return json_response(
        status,
        {
            "status": "error",
            "message": message,
            "correlationId": "sandbox-fault",
            "category": category,
        },
    )


FAULTS = {
    "throttle_429": lambda ra: rate_limit_answer(
        "TEN_SECONDLY_ROLLING", "sandbox-fault", {"Retry-After": ra} if ra else None
    ),
    "forbidden_403": lambda ra: _fault_body(
        403, "MISSING_SCOPES", "This app hasn't been granted all required scopes."
    ),
    "server_error_500": lambda ra: _fault_body(500, "INTERNAL_ERROR", "Internal error"),
    "quota_exhausted": lambda ra: rate_limit_answer("DAILY", "sandbox-fault"),
}

ROUTES = {
    ("POST", "/crm/v3/objects/contacts/batch/upsert"): contacts_upsert,
    ("POST", "/crm/v3/objects/contacts/batch/read"): contacts_read,
    ("POST", "/crm/v3/objects/companies/search"): companies_search,
    ("POST", "/crm/v3/objects/companies/batch/create"): companies_create,
    ("POST", "/crm/v4/associations/contacts/companies/batch/associate/default"): associate_default,
    ("GET", "/account-info/v3/details"): account_details,
}
