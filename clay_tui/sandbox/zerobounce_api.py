"""ZeroBounce in the sandbox beyond what its manifest says: the parts its SDK reads.

The manifest handler decides each verdict (the same as every sandbox verifier's); this adds
what ZeroBounce documents around it, so its official SDK (zerobouncesdk) works against the
sandbox as against the real service:

- every validation carries the documented fields (address, status, sub_status, account,
  domain, free_email, mx_found...), the batch's ones too;
- a wrong key is a 200 ``{"error": "Invalid API Key or your account ran out of credits"}``
  on /v2/validate, and on /v2/validatebatch no validations and one error for
  ``"email_address": "all"`` (docs pages of both; the SDK's test_response_contains_errors);
- ``GET /v2/getcredits`` (free): ``{"Credits": "N"}``, ``"-1"`` for a wrong key
  (https://www.zerobounce.net/docs/email-validation-api-quickstart/v2-credit-balance).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from clay_tui.config import SANDBOX_KEY
from clay_tui.manifests import Manifest
from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

BAD_KEY = "Invalid API Key or your account ran out of credits"
CREDITS = "250000"  # what the sandbox account has left, as ZeroBounce writes it (a string)
# sub_status: from the sandbox's own verdict where it says more (a disposable address), else
# the usual one for the status
_SUB_STATUS = {"invalid": "mailbox_not_found", "unknown": "mail_server_did_not_respond"}
_FORM_POSTS = ("/v2/validate", "/v2/getcredits")
_SANDBOX_VERDICT = {"disposable": "disposable", "webmail": "", "accept_all": ""}


def _fields(email: str, status: str) -> dict[str, Any]:
    """One validation as ZeroBounce documents it (``status`` from the manifest's answer)."""
    verdict = data.verify(email)
    account, _, domain = email.partition("@")
    sub = _SANDBOX_VERDICT.get(verdict.status, _SUB_STATUS.get(status, ""))
    return {
        "address": email,
        "status": status,
        "sub_status": sub,
        "free_email": verdict.status == "webmail",
        "did_you_mean": None,
        "account": account or None,
        "domain": domain or None,
        "domain_age_days": str(1000 + data.h("age", domain) % 9000) if domain else None,
        "smtp_provider": "sandbox",
        "mx_found": "true" if domain else "false",
        "mx_record": f"mx.{domain}" if domain else None,
        "firstname": None,
        "lastname": None,
        "gender": None,
        "country": None,
        "region": None,
        "city": None,
        "zipcode": None,
        "processed_at": "2026-01-01 00:00:00.000",
    }


def _decorate(res: Response, answers: Callable[[Any], list[dict[str, Any]]]) -> Response:
    if res.status != 200 or not isinstance(res.body, bytes):
        return res
    body = json.loads(res.body)
    for one in answers(body):
        if isinstance(one, dict) and isinstance(one.get("status"), str):
            one.update(_fields(str(one.get("address", "")), one["status"]))
    return json_response(200, body, {k: v for k, v in res.headers.items() if k != "Content-Type"})


def around(
    m: Manifest, req: Request, state: SandboxState, handle: Callable[[Request], Response]
) -> Response:
    """ZeroBounce's answer to ``req``; ``handle(req)`` is the manifest's answer (the router's
    ``AROUND`` calls this for every ZeroBounce request). The SDK's ``use_post`` sends
    /v2/validate and /v2/getcredits as a form POST: the same as the GET."""
    if req.method == "POST" and req.path in _FORM_POSTS and _is_form(req):
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        get = Request("GET", req.path, {**req.query, **form}, req.headers)
        return around(m, get, state, handle)
    if req.path == "/v2/getcredits" and req.method == "GET":
        return json_response(200, {"Credits": CREDITS if _key(req) == SANDBOX_KEY else "-1"})
    if req.path == "/v2/validate" and req.method == "GET":
        if _key(req) != SANDBOX_KEY:
            return json_response(200, {"error": BAD_KEY})
        res = handle(req)
        email = req.query.get("email", "")
        return _decorate(res, lambda body: _one(body, email))
    if req.path == "/v2/validatebatch" and req.method == "POST":
        body = req.json()
        if isinstance(body, dict) and body.get("api_key") != SANDBOX_KEY:
            return json_response(
                200, {"email_batch": [], "errors": [{"error": BAD_KEY, "email_address": "all"}]}
            )
        return _decorate(handle(req), lambda reply: reply.get("email_batch") or [])
    return handle(req)


def _is_form(req: Request) -> bool:
    return req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _key(req: Request) -> str | None:
    return req.query.get("api_key")


def _one(body: dict[str, Any], email: str) -> list[dict[str, Any]]:
    """The single answer as a one-item list (its address set), for _decorate."""
    body.setdefault("address", email)
    return [body]
