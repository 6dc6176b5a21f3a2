"""Reading a provider's answer: its JSON, its error id and text, how long it asks us to wait.

Pure functions over an ``httpx.Response`` (never raising), shared by the client and the
adapters; who a provider is (its display name, how it wants its key) comes from its
manifest (:mod:`clay_tui.manifests`).
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import TYPE_CHECKING, Any

from clay_tui.manifests import Manifest, find_manifest

if TYPE_CHECKING:
    import httpx

# Header names whose values are secrets (their values are redacted from every answer).
SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password", "session")


def is_secret_header(name: str) -> bool:
    low = name.lower()
    return any(word in low for word in SECRET_HEADER_WORDS)


# Error ids meaning "the account has no quota left": stop, do not retry.
QUOTA_IDS = {"usage_limit", "insufficient_quota", "INSUFFICIENT_CREDITS"}
# This many answers in a row that are not the API (an HTML page, a 404) stop the
# provider for the run: a moved endpoint or a wrong base_url, not a per-row problem.
OFF_API_LIMIT = 3


def display_name(provider: str) -> str:
    """The provider's name as its manifest spells it (Hunter, LeadMagic), else capitalized."""
    m = find_manifest(provider)
    return m.display_name if m is not None else provider.capitalize()


def parse_json(response: httpx.Response) -> Any | None:
    """The decoded JSON body, or None if the body is not JSON (never raises)."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[... 100k deep
        return None
    except Exception as exc:  # a body that cannot be decoded (a broken gzip stream)
        if type(exc).__module__.startswith("httpx"):
            return None
        raise


def error_id_of(body: Any) -> str | None:
    """The provider's own error id from any of the three error shapes."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")  # Hunter: {"errors": [{"id", "code", "details"}]}
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("id") or errors[0].get("code") or "") or None
    err = body.get("error")
    if isinstance(err, dict):  # OpenAI: {"error": {"message", "type", "code"}}
        return str(err.get("code") or err.get("type") or "") or None
    if err is True:  # Prospeo: {"error": true, "message" | "error_code": ...}
        return str(body.get("error_code") or body.get("message") or "") or None
    if body.get("status") == "error":  # HubSpot: {"status": "error", "category", "policyName"}
        return str(body.get("policyName") or body.get("category") or "") or None
    return None


MAX_DETAIL_CHARS = 300  # how much of a provider's own error text a message quotes


def error_detail_of(body: Any) -> str:
    """A human-readable detail from an error body ('' if none), one line, cut short."""
    text = _error_detail_of(body)
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "..."


def _error_detail_of(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("details") or "")
    err = body.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or "")
    if body.get("status") == "error":  # HubSpot
        return str(body.get("message") or "")
    return str(body.get("details") or "")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds the provider asked us to wait (Retry-After, retry-after-ms), if any."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def rate_window_reset(response: httpx.Response) -> float | None:
    """Prospeo-style window headers: when a window has no requests left, wait for its reset."""
    for window in ("second", "minute", "daily"):
        left = response.headers.get(f"x-{window}-request-left")
        reset = response.headers.get(f"x-{window}-reset-seconds")
        if left is not None and reset is not None and left.strip() == "0":
            try:
                return max(0.0, float(reset))
            except ValueError:
                return None
    return None


def auth_parts(
    manifest: Manifest | None, key: str | None, headers: dict[str, str]
) -> dict[str, str]:
    """Put ``key`` where the manifest says (a header, ``Bearer``, or a query parameter): the
    header goes into ``headers``; the query parameters to send on every call are returned."""
    if not key or manifest is None:
        return {}
    if manifest.auth_style == "query":
        return {manifest.auth_name: key}
    headers[manifest.auth_name] = f"Bearer {key}" if manifest.auth_style == "bearer" else key
    return {}
