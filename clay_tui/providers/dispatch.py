"""Which adapter makes a provider's call: its own Python adapter, or its manifest.

Hunter and Prospeo have adapters of their own (202 polling, bulk enrich); every other
provider is spoken from its manifest by :mod:`clay_tui.providers.generic`. The actions
ask here for "the call that finds an email with this provider" and never care which.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from clay_tui.domains import domain_of
from clay_tui.manifests import find_manifest
from clay_tui.providers import hunter, prospeo
from clay_tui.providers.generic_bulk import Lookup

if TYPE_CHECKING:
    from clay_tui.providers.base import ProviderResult
    from clay_tui.providers.client import ProviderClient

Call = Callable[["ProviderClient"], Awaitable["ProviderResult"]]


def _generic(provider: str, operation: str, values: dict[str, Any]) -> Call:
    """A manifest provider's call; rows go together when its manifest documents a bulk
    endpoint for the operation (up to its max_records per request)."""
    m = find_manifest(provider)
    ep = m.endpoint(operation) if m is not None else None
    size = ep.bulk.max_records if ep is not None and ep.bulk is not None else 1
    return Lookup(operation, values, size)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def email_finder(provider: str, inputs: dict[str, Any]) -> Call:
    """Find a work email from first/last or full name and a domain or company."""
    names = {k: _text(inputs.get(k)) for k in ("first_name", "last_name", "full_name")}
    domain = domain_of(_text(inputs.get("domain")))
    company = _text(inputs.get("company"))
    if provider == "hunter":
        return lambda c: hunter.find_email(c, domain=domain, company=company, **names)
    if provider == "prospeo":
        return prospeo.EmailLookup(company=domain or company, **names)  # bulk when rows wait
    values = {**names, "domain": domain, "company": company}
    return _generic(provider, "email_finder", values)


def email_verifier(provider: str, email: str | None) -> Call:
    """Check whether an email is deliverable: data status valid/accept_all/invalid/unknown."""
    if provider == "hunter":
        return lambda c: hunter.verify_email(c, email=email or "")
    return _generic(provider, "email_verifier", {"email": email})


def mobile_finder(provider: str, inputs: dict[str, Any]) -> Call:
    """Find a mobile number from a LinkedIn profile URL (or a work email, where the
    provider takes one): data phone (E.164), country_code."""
    url = _text(inputs.get("linkedin_url")) or ""
    if provider == "prospeo":
        return lambda c: prospeo.find_mobile(c, linkedin_url=url)
    values = {"linkedin_url": url, "email": _text(inputs.get("email"))}
    return _generic(provider, "mobile_finder", values)
