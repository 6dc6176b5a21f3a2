"""Prospeo's Search Person (``POST /search-person``): people matching filters, 25 a page.

https://prospeo.io/api-docs/search-person: body ``{"page", "filters"}``; answer
``{"error": false, "results": [{"person", "company"}], "pagination": {"current_page",
"per_page", "total_page", "total_count"}}``, no email or mobile; at most 1000 pages. Errors
``INVALID_FILTERS`` (with ``filter_error``), ``NO_RESULTS``, ``INSUFFICIENT_CREDITS``,
``INVALID_API_KEY``, ``RATE_LIMITED``. Prospeo bills its own account 1 credit per page that
returns someone; clay-tui charges nothing for a search (list building is free).

Search has rate limits of its own, lower than enrichment's and set by the Prospeo plan
(https://help.prospeo.io/en/article/api-rate-limits-19vqf50: Starter 1/s, 30/min, 1,000/day
... Pro 5/s, 180/min, 250,000/day): :class:`Pacer` keeps to what each answer's headers say
(``x-second-rate-limit``, ``x-minute-request-left`` / ``x-minute-reset-seconds``), so a long
search is never refused; a 429 still waits and retries in the client.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clay_tui.errors import ClayError
from clay_tui.providers.base import ProviderResult
from clay_tui.providers.client import ProviderClient, error_id_of, parse_json

if TYPE_CHECKING:
    import httpx

ACTION = "search_person"
PER_PAGE = 25
MAX_PAGES = 1000  # Prospeo serves at most 1000 pages (25,000 people) of one search
# Prospeo's company_headcount_range enum (its Filters documentation, "Employee ranges").
EMPLOYEE_RANGES = (
    "1-10",
    "11-20",
    "21-50",
    "51-100",
    "101-200",
    "201-500",
    "501-1000",
    "1001-2000",
    "2001-5000",
    "5001-10000",
    "10000+",
)
# What people type, in Prospeo's words (its Seniorities enum and location strings); any
# other value is sent as typed and Prospeo says if it is not one of its values.
SENIORITY_WORDS = {
    "vp": "Vice President",
    "svp": "Vice President",
    "evp": "Vice President",
    "c-level": "C-Suite",
    "cxo": "C-Suite",
    "founder": "Founder/Owner",
    "owner": "Founder/Owner",
}
COUNTRY_WORDS = {
    "us": "United States",
    "usa": "United States",
    "u.s.": "United States",
    "uk": "United Kingdom",
    "gb": "United Kingdom",
    "de": "Germany",
    "fr": "France",
    "in": "India",
    "ca": "Canada",
    "au": "Australia",
    "nl": "Netherlands",
    "br": "Brazil",
    "es": "Spain",
}
INDUSTRY_WORDS = {"saas": "Software Development", "software": "Software Development"}


class SearchError(ClayError):
    """A search that cannot be sent or that Prospeo refused, in one sentence."""


def _one_of(value: str, words: dict[str, str]) -> str:
    text = " ".join(value.split())
    return words.get(text.lower(), text)


def _ranges(size: str) -> list[str]:
    """Prospeo's employee ranges that make up ``size`` ("51-200" is 51-100 and 101-200)."""
    text = size.replace(" ", "").replace(",", "")
    if text in EMPLOYEE_RANGES:
        return [text]
    bounds = [(r, int(r.split("-")[0].rstrip("+")), r.split("-")[-1]) for r in EMPLOYEE_RANGES]
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text.rstrip("+"))
        high = math.inf if text.endswith("+") or not high_text else int(high_text)
    except ValueError:
        raise SearchError(
            f"Company size {size!r} is not a range like 51-200 (Prospeo's ranges: "
            f"{', '.join(EMPLOYEE_RANGES)})."
        ) from None
    picked = [
        r
        for r, lo, hi in bounds
        if lo >= low and (high == math.inf if hi.endswith("+") else int(hi) <= high)
    ]
    starts = {lo for _, lo, _ in bounds}
    ends = {int(hi) for _, _, hi in bounds if not hi.endswith("+")}
    if not picked or low not in starts or (high != math.inf and high not in ends):
        raise SearchError(
            f"Company size {size!r} does not line up with Prospeo's employee ranges "
            f"({', '.join(EMPLOYEE_RANGES)}); use their bounds, e.g. 51-200."
        )
    return picked


@dataclass(frozen=True)
class PersonSearch:
    """What the user asked for, in their words; :meth:`filters` is Prospeo's JSON."""

    titles: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def filters(self) -> dict[str, Any]:
        def clean(values: tuple[str, ...], words: dict[str, str] | None = None) -> list[str]:
            out = [" ".join(v.split()) for v in values if v and v.strip()]
            return [_one_of(v, words) for v in out] if words else out

        f: dict[str, Any] = {}
        if titles := clean(self.titles):
            f["person_job_title"] = {"include": titles, "match_only_exact_job_titles": False}
        if values := clean(self.seniorities, SENIORITY_WORDS):
            f["person_seniority"] = {"include": values}
        if values := clean(self.departments):
            f["person_department"] = {"include": values}
        if values := clean(self.countries, COUNTRY_WORDS):
            f["person_location_search"] = {"include": values}
        if values := clean(self.industries, INDUSTRY_WORDS):
            f["company_industry"] = {"include": values}
        if values := clean(self.sizes):
            f["company_headcount_range"] = list(
                dict.fromkeys(r for v in values for r in _ranges(v))
            )
        if values := clean(self.domains):
            f["company"] = {"websites": {"include": values}}
        if not f:
            raise SearchError(
                "Say whom to find: at least one of title, seniority, department, country, "
                "company size, industry or company domain."
            )
        return f

    def describe(self) -> str:
        parts = [
            ("title", self.titles),
            ("seniority", self.seniorities),
            ("department", self.departments),
            ("country", self.countries),
            ("size", self.sizes),
            ("industry", self.industries),
            ("domain", self.domains),
        ]
        return "; ".join(f"{k} {' or '.join(v)}" for k, v in parts if v) or "no filters"


@dataclass(frozen=True)
class Person:
    """One search result, as the columns of a prospecting export."""

    name: str
    first_name: str
    last_name: str
    title: str
    company: str
    domain: str
    linkedin_url: str
    location: str
    country: str
    company_size: str
    industry: str


@dataclass
class Page:
    number: int
    people: list[Person]
    total_count: int
    total_pages: int


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def person_of(item: Any) -> Person | None:
    if not isinstance(item, dict) or not isinstance(item.get("person"), dict):
        return None
    p = item["person"]
    c = item.get("company") if isinstance(item.get("company"), dict) else {}
    where = p.get("location") if isinstance(p.get("location"), dict) else {}
    place = ", ".join(_text(where.get(k)) for k in ("city", "state", "country") if where.get(k))
    first, last = _text(p.get("first_name")), _text(p.get("last_name"))
    return Person(
        name=_text(p.get("full_name")) or f"{first} {last}".strip(),
        first_name=first,
        last_name=last,
        title=_text(p.get("current_job_title")),
        company=_text(c.get("name")),
        domain=_text(c.get("domain")) or _text(c.get("website")),
        linkedin_url=_text(p.get("linkedin_url")),
        location=place,
        country=_text(where.get("country")),
        company_size=_text(c.get("employee_range")) or _text(c.get("employee_count")),
        industry=_text(c.get("industry")),
    )


@dataclass
class Pacer:
    """Keeps a search's requests to the rate the last answer announced."""

    interval: float = 0.0  # seconds between requests (1 / x-second-rate-limit)
    not_before: float = 0.0  # loop time of the next allowed request
    daily_left: int | None = None
    daily_reset_s: float = 0.0
    waits: list[float] = field(default_factory=list)

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.not_before - loop.time()
        if delay > 0:
            self.waits.append(delay)
            await asyncio.sleep(delay)

    def learn(self, response: httpx.Response) -> None:
        loop = asyncio.get_running_loop()
        h = response.headers
        try:
            per_second = float(h.get("x-second-rate-limit") or 0)
        except ValueError:
            per_second = 0.0
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        gap = self.interval
        if h.get("x-minute-request-left", "").strip() == "0":
            try:
                gap = max(gap, float(h.get("x-minute-reset-seconds") or 60))
            except ValueError:
                gap = max(gap, 60.0)
        self.not_before = loop.time() + gap
        try:
            self.daily_left = int(h["x-daily-request-left"])
            self.daily_reset_s = float(h.get("x-daily-reset-seconds") or 0)
        except (KeyError, ValueError):
            self.daily_left = None


async def search_page(
    client: ProviderClient, search: PersonSearch, page: int, pacer: Pacer | None = None
) -> Page:
    """One page of results; a refusal or a failure is a :class:`SearchError` sentence."""
    if not 1 <= page <= MAX_PAGES:
        raise SearchError(f"Prospeo serves pages 1 to {MAX_PAGES} of a search, not {page}.")
    if pacer is not None and pacer.daily_left == 0:
        hours = pacer.daily_reset_s / 3600
        raise SearchError(f"Prospeo's daily search limit is used up; it resets in {hours:.1f} h.")
    body = {"page": page, "filters": search.filters()}
    if pacer is not None:
        await pacer.wait()
    response = await client.request("POST", "/search-person", action=ACTION, json=body)
    if isinstance(response, ProviderResult):
        raise SearchError(response.message or f"Prospeo search failed ({response.error_id}).")
    if pacer is not None:
        pacer.learn(response)
    answer = parse_json(response)
    if not isinstance(answer, dict):
        raise SearchError("Prospeo answered the search with something that is not JSON.")
    if answer.get("error") is False and response.status_code == 200:
        return _page(client, answer, page)
    raise _refusal(client, response, answer)


def _page(client: ProviderClient, answer: dict[str, Any], page: int) -> Page:
    pagination = answer.get("pagination") if isinstance(answer.get("pagination"), dict) else {}
    results = answer.get("results") if isinstance(answer.get("results"), list) else None
    if results is None:
        raise SearchError("Prospeo answered the search without results.")
    clean = client.redactor.value(results)
    people = [p for p in (person_of(item) for item in clean) if p is not None]
    total = pagination.get("total_count")
    total = total if isinstance(total, int) and total >= 0 else len(people)
    pages = min(MAX_PAGES, math.ceil(total / PER_PAGE))
    return Page(page, people, total, pages)


def _refusal(client: ProviderClient, response: httpx.Response, answer: dict[str, Any]) -> Exception:
    code = error_id_of(answer) or f"HTTP {response.status_code}"
    where = "The sandbox" if client.sandbox else "Prospeo"
    if code == "NO_RESULTS":
        return NoResults("Nobody matches this search.")
    if code == "INVALID_FILTERS":
        detail = client.redact_text(_text(answer.get("filter_error")))[:300]
        return SearchError(f"{where} does not accept this search: {detail or code}")
    if code == "INVALID_API_KEY" or response.status_code == 401:
        env = client.settings.api_key_env or "PROSPEO_API_KEY"
        return SearchError(f"{where} rejected the API key: set {env} to a valid Prospeo key.")
    if code == "INSUFFICIENT_CREDITS":
        return SearchError("The Prospeo account has no credits left for searching.")
    if code == "RATE_LIMITED" or response.status_code == 429:
        return SearchError("Prospeo kept refusing the search for its rate limit; try later.")
    return SearchError(f"{where} refused the search ({code}).")


class NoResults(SearchError):
    """The search matches nobody (Prospeo's NO_RESULTS)."""
