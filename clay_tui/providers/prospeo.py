"""Prospeo Email Finder, Mobile Finder and Enrich Person.

Prospeo wraps everything in ``{"error": bool, ...}`` and says "no result" both
with 200 and with 400, so the body's ``error``/``message``/``error_code``
decides. Every call is a paid POST: a timeout is an unknown outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import QUOTA_IDS, ProviderClient, error_id_of, parse_json

if TYPE_CHECKING:
    import httpx

EMAIL = "email_finder"
MOBILE = "mobile_finder"
ENRICH = "enrich_person"
NO_DATA_IDS = {"NO_RESULT", "NO_MATCH"}


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


async def _post(client: ProviderClient, action: str, path: str,
                payload: dict[str, Any]) -> tuple[dict[str, Any] | None, ProviderResult | None]:
    """POST and map every non-success answer; (body, None) on success, (None, result) else."""
    response = await client.request("POST", path, action=action, json=payload, paid_post=True)
    if isinstance(response, ProviderResult):
        return None, response
    body = parse_json(response)
    if not isinstance(body, dict):
        return None, client.malformed(action)
    if body.get("error") is False and response.status_code == 200:
        return body, None
    return None, _failure(client, action, response, body)


def _failure(client: ProviderClient, action: str, response: httpx.Response,
             body: dict[str, Any]) -> ProviderResult:
    eid = error_id_of(body)
    if eid in NO_DATA_IDS:
        what = "match" if eid == "NO_MATCH" else "result"
        return client.result(Outcome.NO_DATA, action, error_id=eid,
                             message=f"Prospeo found no {what}.", raw=body)
    if eid == "INVALID_API_KEY" or response.status_code == 401:
        return client.bad_key(action, eid or "INVALID_API_KEY", body)
    if eid in QUOTA_IDS:
        return client.out_of_quota(action, eid or "INSUFFICIENT_CREDITS", body)
    if response.status_code == 200 and body.get("error") is not True:
        return client.error(action, "unexpected_answer",
                            "Prospeo answered 200 without the expected fields.", raw=body)
    return client.http_error(action, response, body)


async def find_email(
    client: ProviderClient,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    full_name: str | None = None,
    company: str | None = None,
) -> ProviderResult:
    """POST /email-finder. data: email, email_status ("VALID"|"CATCH_ALL"), free, domain.

    CATCH_ALL is free on Prospeo's side, so it is not billable.
    """
    first, last, full, company = (_clean(first_name), _clean(last_name), _clean(full_name),
                                  _clean(company))
    if not company:
        return client.error(EMAIL, "missing_input", "Prospeo needs a company (a domain is best).")
    if first and last:
        payload: dict[str, Any] = {"first_name": first, "last_name": last, "company": company}
    elif full:
        payload = {"full_name": full, "company": company}
    else:
        return client.error(EMAIL, "missing_input",
                            "Prospeo needs a first and last name, or a full name.")
    body, failed = await _post(client, EMAIL, "/email-finder", payload)
    if failed is not None:
        return failed
    assert body is not None
    resp = body.get("response")
    if not isinstance(resp, dict) or not resp.get("email"):
        return client.error(EMAIL, "unexpected_answer",
                            "Prospeo answered without an email.", raw=body)
    status = str(resp.get("email_status") or "VALID").upper()
    free = bool(resp.get("free")) or status == "CATCH_ALL"
    out = {"email": resp["email"], "email_status": status, "free": free,
           "domain": resp.get("domain")}
    return client.result(Outcome.FOUND, EMAIL, out, billable=not free, raw=body)


def _phone_fields(resp: dict[str, Any]) -> dict[str, Any]:
    import phonenumbers  # imported when first needed: start-up

    raw = str(resp.get("raw_format") or resp.get("international_format") or "")
    region = resp.get("country_code") or None
    phone = raw
    try:
        parsed = phonenumbers.parse(raw, region)
        phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        region = region or phonenumbers.region_code_for_number(parsed)
    except phonenumbers.NumberParseException:
        pass
    return {"phone": phone, "international_format": resp.get("international_format"),
            "national_format": resp.get("national_format"), "country_code": region}


async def find_mobile(client: ProviderClient, *, linkedin_url: str) -> ProviderResult:
    """POST /mobile-finder. data: phone (E.164), international_format, national_format,
    country_code."""
    url = _clean(linkedin_url)
    if not url:
        return client.error(MOBILE, "missing_input", "Prospeo needs a LinkedIn profile URL.")
    body, failed = await _post(client, MOBILE, "/mobile-finder", {"url": url})
    if failed is not None:
        return failed
    assert body is not None
    resp = body.get("response")
    if not isinstance(resp, dict) or not (resp.get("raw_format")
                                          or resp.get("international_format")):
        return client.error(MOBILE, "unexpected_answer",
                            "Prospeo answered without a phone number.", raw=body)
    return client.result(Outcome.FOUND, MOBILE, _phone_fields(resp), billable=True, raw=body)


async def enrich_person(
    client: ProviderClient,
    *,
    data: dict[str, Any],
    enrich_mobile: bool = False,
    only_verified_email: bool = True,
) -> ProviderResult:
    """POST /enrich-person. data: full_name, job_title, linkedin_url, email, email_status,
    phone, company_name, company_website, free_enrichment (repeats are free)."""
    datapoints = {k: v for k, v in ((k, _clean(v)) for k, v in data.items()) if v}
    if not datapoints:
        return client.error(ENRICH, "missing_input", "Prospeo needs something to match on.")
    payload = {"only_verified_email": only_verified_email, "enrich_mobile": enrich_mobile,
               "data": datapoints}
    body, failed = await _post(client, ENRICH, "/enrich-person", payload)
    if failed is not None:
        return failed
    assert body is not None
    person = body.get("person")
    if not isinstance(person, dict):
        return client.error(ENRICH, "unexpected_answer",
                            "Prospeo answered without a person.", raw=body)
    email = person.get("email") if isinstance(person.get("email"), dict) else {}
    mobile = person.get("mobile") if isinstance(person.get("mobile"), dict) else {}
    company = body.get("company") if isinstance(body.get("company"), dict) else {}
    phone = None
    if mobile.get("mobile") or mobile.get("raw_format"):
        phone = _phone_fields({"raw_format": mobile.get("mobile") or mobile.get("raw_format"),
                               "international_format": mobile.get("mobile_international"),
                               "national_format": mobile.get("mobile_national"),
                               "country_code": mobile.get("mobile_country_code")})["phone"]
    free = bool(body.get("free_enrichment"))
    out = {
        "full_name": person.get("full_name"),
        "job_title": person.get("current_job_title"),
        "linkedin_url": person.get("linkedin_url"),
        "email": email.get("email"),
        "email_status": email.get("status"),
        "phone": phone,
        "company_name": company.get("name"),
        "company_website": company.get("website"),
        "free_enrichment": free,
    }
    return client.result(Outcome.FOUND, ENRICH, out, billable=not free, raw=body)
