"""Dispatch a sandbox request: provider prefix, key check, fault injection, handler.

Faults come from ``SandboxSettings.faults`` (a rate per provider and fault) or
per request from headers, for tests:

- ``X-Sandbox-Fault: NAME``, one of throttle_429, forbidden_403, server_error_500, timeout,
  malformed_json, quota_exhausted
- ``X-Sandbox-Fault-Times: N`` + ``X-Sandbox-Fault-Id: ID``: only the first N requests with ID fail
- ``X-Sandbox-Retry-After: S`` (seconds, may be fractional) on throttle answers (default 1;
  Hunter sends none unless asked, as the real API)
- ``X-Sandbox-Latency-Ms: MS`` replaces the configured latency and jitter

Every other provider with a manifest (built-in or the user's own) is served from it by
:mod:`clay_tui.sandbox.manifest_api`, its documented limits enforced the same way.

``/http/echo`` (any method, no key) answers with the request itself, for the HTTP action.

Documented rate limits (Hunter's per endpoint and key) are enforced by the sandbox itself;
``CLAY_TUI_SANDBOX_RATE_LIMITS=off`` turns that off (the test suite's fast fixtures do).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable

import clay_tui.sandbox.prospeo_search_api  # noqa: F401 - registers POST /prospeo/search-person
from clay_tui.config import SANDBOX_FAULTS, SandboxSettings
from clay_tui.manifests import Manifest, find_manifest
from clay_tui.sandbox import (
    hubspot_api,
    hunter_api,
    manifest_api,
    openai_api,
    prospeo_api,
    zerobounce_api,
)
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

Handler = Callable[[Request, SandboxState], Response]
ROUTES: dict[str, dict[tuple[str, str], Handler]] = {
    "hunter": hunter_api.ROUTES,
    "prospeo": prospeo_api.ROUTES,
    "openai": openai_api.ROUTES,
    "hubspot": hubspot_api.ROUTES,
}
# What a provider's own module adds around its manifest's answers (what a manifest cannot say:
# ZeroBounce's credits endpoint, its bad-key answers): around(m, req, state, handle), where
# handle(req) is the manifest's answer.
AROUND: dict[str, Callable[..., Response]] = {"zerobounce": zerobounce_api.around}
MALFORMED = b'{"data": {"email": "jane.doe@acme.com", "score": 9'


def _authorized(provider: str, req: Request) -> bool:
    if provider == "hunter":
        return hunter_api.authorized(req)
    if provider == "prospeo":
        return prospeo_api.authorized(req)
    if provider == "hubspot":
        return hubspot_api.authorized(req)
    return openai_api.authorized(req)


def _unauthorized(provider: str, req: Request) -> Response:
    if provider == "hunter":
        return hunter_api.unauthorized()
    if provider == "prospeo":
        return prospeo_api.unauthorized(req)
    if provider == "hubspot":
        return hubspot_api.unauthorized(req)
    return openai_api.unauthorized()


def fault_response(provider: str, fault: str, req: Request) -> Response:
    """The fault in the provider's own shape."""
    if fault == "timeout":
        return Response(200, b"", hang=True)
    if fault == "malformed_json":
        return Response(200, MALFORMED, {"Content-Type": "application/json"})
    retry_after = req.headers.get("x-sandbox-retry-after", "1")
    if provider == "prospeo":
        res = prospeo_api.fault(fault, req, retry_after)
    elif provider == "hunter":
        res = hunter_api.FAULTS[fault](req.headers.get("x-sandbox-retry-after"))
    elif provider == "hubspot":
        res = hubspot_api.FAULTS[fault](req.headers.get("x-sandbox-retry-after"))
    else:
        res = openai_api.FAULTS[fault](retry_after)
    assert res is not None
    return res


def echo(req: Request) -> Response:
    """``/http/echo/...`` (any method, no key): the request as JSON, for the HTTP action.
    ``?status=N`` answers with that status."""
    try:
        status = int(req.query.get("status", "200"))
    except ValueError:
        status = 400
    return json_response(
        status,
        {
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "headers": {k: v for k, v in req.headers.items() if not k.startswith("x-sandbox")},
            "json": req.json(),
            "body": req.body.decode("utf-8", "replace"),
        },
    )


def _generic(provider: str) -> Manifest | None:
    """The manifest of a provider the sandbox serves from its manifest (None: not one)."""
    if not provider or provider in ROUTES:
        return None
    m = find_manifest(provider)
    return m if m is not None and m.adapter == "generic" else None


class Router:
    """Turns a Request into a Response; also decides each request's simulated latency."""

    def __init__(self, settings: SandboxSettings, *, seed: int | None = None) -> None:
        self.settings = settings
        self.state = SandboxState()
        self._rng = random.Random(seed)
        self.enforce_limits = os.environ.get(
            "CLAY_TUI_SANDBOX_RATE_LIMITS", "on"
        ).strip().lower() not in ("0", "off", "false", "no")

    def latency_s(self, req: Request) -> float:
        given = req.headers.get("x-sandbox-latency-ms")
        if given is not None:
            try:
                return max(0.0, float(given)) / 1000.0
            except ValueError:
                pass
        ms = self.settings.latency_ms
        if self.settings.jitter_ms > 0:
            ms += self._rng.uniform(0, self.settings.jitter_ms)
        return max(0.0, ms) / 1000.0

    def _fault(self, provider: str, req: Request) -> str | None:
        named = req.headers.get("x-sandbox-fault", "").strip()
        if named:
            if named not in SANDBOX_FAULTS:
                return None
            times = req.headers.get("x-sandbox-fault-times")
            if times is not None:
                fid = req.headers.get("x-sandbox-fault-id", f"{named}:{req.path}")
                try:
                    if self.state.bump(f"fault:{fid}") > int(times):
                        return None
                except ValueError:
                    return None
            return named
        rates = self.settings.faults.get(provider) or {}
        if rates:
            draw = self._rng.random()
            for fault in SANDBOX_FAULTS:
                rate = rates.get(fault, 0.0)
                if draw < rate:
                    return fault
                draw -= rate
        return None

    def _generic(self, manifest: Manifest, req: Request, sub: str) -> Response:
        inner = Request(req.method, sub, req.query, req.headers, req.body)
        self.state.bump(f"path:{req.method} {req.path}")
        fault = self._fault(manifest.name, inner)
        if fault in ("timeout", "malformed_json"):
            return fault_response(manifest.name, fault, inner)

        def handle(one: Request) -> Response:
            return manifest_api.handle(
                manifest,
                one,
                self.state,
                enforce_limits=self.enforce_limits,
                fault=fault,
                retry_after=req.headers.get("x-sandbox-retry-after", manifest_api.RETRY_AFTER_S),
            )

        around = AROUND.get(manifest.name)
        return around(manifest, inner, self.state, handle) if around is not None else handle(inner)

    def handle(self, req: Request) -> Response:
        self.state.requests += 1
        provider, _, rest = req.path.lstrip("/").partition("/")
        if provider == "http" and rest.startswith("echo"):
            return echo(req)
        routes = ROUTES.get(provider)
        sub = "/" + rest
        if routes is None:
            manifest = _generic(provider)
            if manifest is not None:
                return self._generic(manifest, req, sub)
        if routes is None or not any(path == sub for _, path in routes):
            if provider == "openai":
                return openai_api.not_found(req)
            return json_response(
                404,
                {"error": True, "message": "NOT_FOUND", "details": f"No sandbox route {req.path}"},
            )
        handler = routes.get((req.method, sub))
        if handler is None:
            return json_response(
                405,
                {
                    "error": True,
                    "message": "METHOD_NOT_ALLOWED",
                    "details": f"{req.method} is not allowed on {req.path}",
                },
            )
        inner = Request(req.method, sub, req.query, req.headers, req.body)
        self.state.bump(f"path:{req.method} {req.path}")
        if not _authorized(provider, inner):
            return _unauthorized(provider, inner)
        if self.enforce_limits and provider == "hunter":
            limited = hunter_api.rate_limited(inner, self.state)
            if limited is not None:
                return limited
        if self.enforce_limits and provider == "hubspot":
            limited = hubspot_api.rate_limited(inner, self.state)
            if limited is not None:
                return limited
        fault = self._fault(provider, inner)
        if fault is not None:
            return fault_response(provider, fault, inner)
        return handler(inner, self.state)
