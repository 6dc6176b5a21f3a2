"""Prospeo on its current API: everything is ``POST /enrich-person``.

The email finder and the mobile finder are enrich-person calls (the legacy
``/email-finder`` and ``/mobile-finder`` are gone from Prospeo's documentation,
https://prospeo.io/api-docs/enrich-person). Every answer carries ``"error": bool``;
"no match" is 400 ``NO_MATCH`` (not billed by Prospeo). Prospeo bills 1 credit per
match, 10 with a mobile, nothing for a record the account already enriched
(``free_enrichment: true``); clay-tui's own price per action is unchanged and applies
to a found result. Every paid call is a POST: a timeout is an unknown outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from clay_tui.domains import domain_of
from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import QUOTA_IDS, ProviderClient, error_id_of, parse_json

if TYPE_CHECKING:
    import httpx

EMAIL = "email_finder"
MOBILE = "mobile_finder"
ENRICH = "enrich_person"
ACCOUNT = "account"
BULK_MAX = 50  # records per bulk-enrich-person request
NO_DATA_IDS = {"NO_RESULT", "NO_MATCH"}


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


async def _post(
    client: ProviderClient, action: str, path: str, payload: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, ProviderResult | None]:
    """POST and map every non-success answer; (body, None) on success, (None, result) else.
    A call without a payload (account information) is free, so it is not a paid POST."""
    response = await client.request(
        "POST", path, action=action, json=payload, paid_post=payload is not None
    )
    if isinstance(response, ProviderResult):
        return None, response
    body = parse_json(response)
    if not isinstance(body, dict):
        return None, client.malformed(action)
    if body.get("error") is False and response.status_code == 200:
        return body, None
    return None, _failure(client, action, response, body)


def _failure(
    client: ProviderClient, action: str, response: httpx.Response, body: dict[str, Any]
) -> ProviderResult:
    eid = error_id_of(body)
    if eid in NO_DATA_IDS:
        what = "match" if eid == "NO_MATCH" else "result"
        return client.result(
            Outcome.NO_DATA, action, error_id=eid, message=f"Prospeo found no {what}.", raw=body
        )
    if eid == "INVALID_API_KEY" or response.status_code == 401:
        return client.bad_key(action, eid or "INVALID_API_KEY", body)
    if eid in QUOTA_IDS:
        return client.out_of_quota(action, eid or "INSUFFICIENT_CREDITS", body)
    if response.status_code == 200 and body.get("error") is not True:
        return client.error(
            action,
            "unexpected_answer",
            "Prospeo answered 200 without the expected fields.",
            raw=body,
        )
    return client.http_error(action, response, body)


def _company_point(company: str) -> dict[str, str]:
    """A domain or URL goes to company_website, a company name to company_name."""
    domain = domain_of(company)
    if domain and " " not in company.strip():
        return {"company_website": domain}
    return {"company_name": company}


def _email_points(
    client: ProviderClient, first_name: Any, last_name: Any, full_name: Any, company: Any
) -> dict[str, Any] | ProviderResult:
    """The enrich-person datapoints for an email lookup, or a missing_input error."""
    first, last, full, company = (
        _clean(first_name),
        _clean(last_name),
        _clean(full_name),
        _clean(company),
    )
    if not company:
        return client.error(EMAIL, "missing_input", "Prospeo needs a company (a domain is best).")
    if first and last:
        points: dict[str, Any] = {"first_name": first, "last_name": last}
    elif full:
        points = {"full_name": full}
    else:
        return client.error(
            EMAIL, "missing_input", "Prospeo needs a first and last name, or a full name."
        )
    points.update(_company_point(company))
    return points


def _email_result(
    client: ProviderClient, match: dict[str, Any], raw: dict[str, Any]
) -> ProviderResult:
    """An email lookup's result from one match (``person``, ``company``, ``free_enrichment``)."""
    person = match.get("person")
    if not isinstance(person, dict):
        return client.error(
            EMAIL, "unexpected_answer", "Prospeo answered without a person.", raw=raw
        )
    email = person.get("email") if isinstance(person.get("email"), dict) else {}
    address = _clean(email.get("email"))
    if not address or email.get("revealed") is False:
        return client.result(
            Outcome.NO_DATA,
            EMAIL,
            error_id="no_email",
            message="Prospeo matched the person but has no email.",
            raw=raw,
        )
    company_obj = match.get("company") if isinstance(match.get("company"), dict) else {}
    out = {
        "email": address,
        "email_status": str(email.get("status") or "UNVERIFIED").upper(),
        "free": bool(match.get("free_enrichment")),
        "domain": (
            address.rsplit("@", 1)[-1].lower() if "@" in address else company_obj.get("domain")
        ),
    }
    return client.result(Outcome.FOUND, EMAIL, out, billable=True, raw=raw)


async def find_email(
    client: ProviderClient,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    full_name: str | None = None,
    company: str | None = None,
    only_verified_email: bool = False,
) -> ProviderResult:
    """POST /enrich-person for the email. data: email, email_status ("VERIFIED" or
    "UNVERIFIED"), free (Prospeo's free_enrichment: their bill, not ours), domain."""
    points = _email_points(client, first_name, last_name, full_name, company)
    if isinstance(points, ProviderResult):
        return points
    payload = {"only_verified_email": only_verified_email, "data": points}
    body, failed = await _post(client, EMAIL, "/enrich-person", payload)
    if failed is not None:
        return failed
    assert body is not None
    return _email_result(client, body, body)


async def bulk_find_email(
    client: ProviderClient,
    records: dict[str, dict[str, Any]],
    *,
    only_verified_email: bool = False,
) -> dict[str, ProviderResult]:
    """POST /bulk-enrich-person: up to 50 email lookups in one request, keyed by the caller's
    identifier (each record: first_name, last_name, full_name, company). One result per
    identifier, as :func:`find_email` would give it; a record without enough to match on is
    a missing_input error and is not sent."""
    if len(records) > BULK_MAX:
        raise ValueError(f"bulk-enrich-person takes at most {BULK_MAX} records")
    results: dict[str, ProviderResult] = {}
    data: list[dict[str, Any]] = []
    for ident, record in records.items():
        points = _email_points(
            client,
            record.get("first_name"),
            record.get("last_name"),
            record.get("full_name"),
            record.get("company"),
        )
        if isinstance(points, ProviderResult):
            results[ident] = points
        else:
            data.append({"identifier": ident, **points})
    if not data:
        return results
    payload = {"only_verified_email": only_verified_email, "data": data}
    body, failed = await _post(client, EMAIL, "/bulk-enrich-person", payload)
    if failed is not None:
        return {**results, **{d["identifier"]: failed for d in data}}
    assert body is not None
    matched = body.get("matched") if isinstance(body.get("matched"), list) else []
    for match in matched:
        if isinstance(match, dict) and str(match.get("identifier")) in records:
            results[str(match["identifier"])] = _email_result(client, match, match)

    def idents(key: str) -> set[str]:
        items = body.get(key) if isinstance(body.get(key), list) else []
        return {str(i.get("identifier") if isinstance(i, dict) else i) for i in items}

    invalid = idents("invalid_datapoints")
    for d in data:
        ident = d["identifier"]
        if ident in results:
            continue
        if ident in invalid:
            results[ident] = client.error(
                EMAIL, "INVALID_DATAPOINTS", "Prospeo could not match on these datapoints."
            )
        else:  # not_matched, or left out of the answer: no match, not billed
            results[ident] = client.result(
                Outcome.NO_DATA, EMAIL, error_id="NO_MATCH", message="Prospeo found no match."
            )
    return results


@dataclass(frozen=True)
class EmailLookup:
    """One row's email lookup. Called with a client it is :func:`find_email`; many of them
    (up to ``bulk_size``) go in one bulk-enrich-person request through :meth:`bulk`, each
    answered as :func:`find_email` would answer it (the runner's bulk capability)."""

    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    company: str | None = None
    only_verified_email: bool = False
    bulk_size: ClassVar[int] = BULK_MAX

    async def __call__(self, client: ProviderClient) -> ProviderResult:
        return await find_email(
            client,
            first_name=self.first_name,
            last_name=self.last_name,
            full_name=self.full_name,
            company=self.company,
            only_verified_email=self.only_verified_email,
        )

    def record(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": self.full_name,
            "company": self.company,
        }

    @staticmethod
    async def bulk(client: ProviderClient, calls: Sequence[EmailLookup]) -> list[ProviderResult]:
        """One result per lookup, in order, from one request (identifiers: their places;
        lookups that differ in ``only_verified_email``, a request-wide flag, go apart)."""
        out: dict[str, ProviderResult] = {}
        for flag in dict.fromkeys(c.only_verified_email for c in calls):
            records = {
                str(i): c.record() for i, c in enumerate(calls) if c.only_verified_email == flag
            }
            out.update(await bulk_find_email(client, records, only_verified_email=flag))
        return [out[str(i)] for i in range(len(calls))]


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
    return {
        "phone": phone,
        "international_format": resp.get("international_format"),
        "national_format": resp.get("national_format"),
        "country_code": region,
    }


def _mobile_of(person: dict[str, Any]) -> dict[str, Any] | None:
    """The phone fields of ``person.mobile`` when a number is revealed, else None."""
    mobile = person.get("mobile") if isinstance(person.get("mobile"), dict) else {}
    number = mobile.get("mobile") or mobile.get("mobile_international")
    if not number or mobile.get("revealed") is False:
        return None
    return _phone_fields(
        {
            "raw_format": number,
            "international_format": mobile.get("mobile_international"),
            "national_format": mobile.get("mobile_national"),
            "country_code": mobile.get("mobile_country_code"),
        }
    )


async def find_mobile(client: ProviderClient, *, linkedin_url: str) -> ProviderResult:
    """POST /enrich-person with ``only_verified_mobile`` (no mobile: NO_MATCH, not billed).
    data: phone (E.164), international_format, national_format, country_code, free."""
    url = _clean(linkedin_url)
    if not url:
        return client.error(MOBILE, "missing_input", "Prospeo needs a LinkedIn profile URL.")
    payload = {"enrich_mobile": True, "only_verified_mobile": True, "data": {"linkedin_url": url}}
    body, failed = await _post(client, MOBILE, "/enrich-person", payload)
    if failed is not None:
        return failed
    assert body is not None
    person = body.get("person") if isinstance(body.get("person"), dict) else {}
    fields = _mobile_of(person)
    if fields is None:
        return client.result(
            Outcome.NO_DATA,
            MOBILE,
            error_id="no_mobile",
            message="Prospeo matched the person but has no mobile.",
            raw=body,
        )
    fields["free"] = bool(body.get("free_enrichment"))
    return client.result(Outcome.FOUND, MOBILE, fields, billable=True, raw=body)


async def account(client: ProviderClient) -> ProviderResult:
    """POST /account-information (free): plan, remaining_credits, used_credits."""
    body, failed = await _post(client, ACCOUNT, "/account-information", None)
    if failed is not None:
        return failed
    assert body is not None
    resp = body.get("response") if isinstance(body.get("response"), dict) else None
    if resp is None:
        return client.error(
            ACCOUNT, "unexpected_answer", "Prospeo answered without account information.", raw=body
        )
    out = {
        "plan": resp.get("current_plan"),
        "remaining_credits": resp.get("remaining_credits"),
        "used_credits": resp.get("used_credits"),
    }
    return client.result(Outcome.FOUND, ACCOUNT, out, billable=False, raw=body)


async def enrich_person(
    client: ProviderClient,
    *,
    data: dict[str, Any],
    enrich_mobile: bool = False,
    only_verified_email: bool = False,
) -> ProviderResult:
    """POST /enrich-person. data: full_name, job_title, linkedin_url, email, email_status,
    phone, company_name, company_website, free_enrichment (repeats are free)."""
    datapoints = {k: v for k, v in ((k, _clean(v)) for k, v in data.items()) if v}
    if not datapoints:
        return client.error(ENRICH, "missing_input", "Prospeo needs something to match on.")
    payload = {
        "only_verified_email": only_verified_email,
        "enrich_mobile": enrich_mobile,
        "data": datapoints,
    }
    body, failed = await _post(client, ENRICH, "/enrich-person", payload)
    if failed is not None:
        return failed
    assert body is not None
    person = body.get("person")
    if not isinstance(person, dict):
        return client.error(
            ENRICH, "unexpected_answer", "Prospeo answered without a person.", raw=body
        )
    email = person.get("email") if isinstance(person.get("email"), dict) else {}
    company = body.get("company") if isinstance(body.get("company"), dict) else {}
    phone_fields = _mobile_of(person)
    free = bool(body.get("free_enrichment"))
    out = {
        "full_name": person.get("full_name"),
        "job_title": person.get("current_job_title"),
        "linkedin_url": person.get("linkedin_url"),
        "email": email.get("email") if email.get("revealed") is not False else None,
        "email_status": email.get("status"),
        "phone": phone_fields["phone"] if phone_fields else None,
        "company_name": company.get("name"),
        "company_website": company.get("website"),
        "free_enrichment": free,
    }
    return client.result(Outcome.FOUND, ENRICH, out, billable=not free, raw=body)
