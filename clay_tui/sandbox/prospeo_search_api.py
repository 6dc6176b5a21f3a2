"""Sandbox Prospeo ``POST /search-person``, over the synthetic people of ``prospeo_people``.

As https://prospeo.io/api-docs/search-person documents it: ``{"page", "filters"}``; 25
results per page, at most 1000 pages; ``{"error": false, "results": [{"person", "company"}],
"pagination": {"current_page", "per_page", "total_page", "total_count"}}``; no email or mobile
in results. Errors: 400 ``INVALID_FILTERS`` (with ``filter_error``), 400 ``NO_RESULTS``, 400
``INVALID_REQUEST``, 429 ``RATE_LIMITED``. A search needs at least one include filter. Billing
on Prospeo's side: 1 credit per page that returns someone (counted per key, shown by
/account-information).

Rate limits (https://help.prospeo.io/en/article/api-rate-limits-19vqf50, search endpoints):
the sandbox key has the Pro plan's 5 requests a second, 180 a minute and 250,000 a day;
only successful requests count; the answer carries the documented headers
(``x-second-rate-limit``, ``x-minute-request-left``, ...). ``CLAY_TUI_SANDBOX_RATE_LIMITS=off``
stops the refusals (the counts and headers stay).

Supported filters: ``person_job_title`` (include/exclude, ``match_only_exact_job_titles``),
``person_seniority``, ``person_department``, ``person_location_search`` (countries),
``company_industry``, ``company_headcount_range`` and ``company.websites``.
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections import deque
from typing import Any

from clay_tui.sandbox import prospeo_api
from clay_tui.sandbox import prospeo_people as pp
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

PER_PAGE = 25
MAX_PAGES = 1000
LIMITS = {"second": (5, 1.0), "minute": (180, 60.0), "daily": (250_000, 86_400.0)}
SUPPORTED = (
    "person_job_title",
    "person_seniority",
    "person_department",
    "person_location_search",
    "company_industry",
    "company_headcount_range",
    "company",
)


class FilterError(Exception):
    """One sentence for ``filter_error``."""


class _Windows:
    """Each key's successful requests in the last second, minute and day."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, dict[str, deque[float]]] = {}

    def _trim(self, key: str, now: float) -> dict[str, deque[float]]:
        windows = self.seen.setdefault(key, {w: deque() for w in LIMITS})
        for name, (_, span) in LIMITS.items():
            q = windows[name]
            while q and q[0] <= now - span:
                q.popleft()
        return windows

    def full(self, key: str) -> str | None:
        """The first window with no request left, if any."""
        with self.lock:
            windows = self._trim(key, time.monotonic())
            for name, (limit, _) in LIMITS.items():
                if len(windows[name]) >= limit:
                    return name
        return None

    def record(self, key: str) -> None:
        with self.lock:
            now = time.monotonic()
            for q in self._trim(key, now).values():
                q.append(now)

    def headers(self, key: str) -> dict[str, str]:
        with self.lock:
            now = time.monotonic()
            windows = self._trim(key, now)
            out = {"x-second-rate-limit": str(LIMITS["second"][0])}
            for name in ("minute", "daily"):
                limit, span = LIMITS[name]
                q = windows[name]
                reset = math.ceil(q[0] + span - now) if q else 0
                out[f"x-{name}-request-left"] = str(max(0, limit - len(q)))
                out[f"x-{name}-reset-seconds"] = str(max(0, reset))
            return out


_WINDOWS: weakref.WeakKeyDictionary[SandboxState, _Windows] = weakref.WeakKeyDictionary()
_WINDOWS_LOCK = threading.Lock()


def _windows(state: SandboxState) -> _Windows:
    with _WINDOWS_LOCK:
        if state not in _WINDOWS:
            _WINDOWS[state] = _Windows()
        return _WINDOWS[state]


def _enforced() -> bool:
    value = os.environ.get("CLAY_TUI_SANDBOX_RATE_LIMITS", "on").strip().lower()
    return value not in ("0", "off", "false", "no")


# ------------------------------------------------------------------ filters -> boxes


def _values(filters: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
    raw = filters.get(name)
    if raw is None:
        return [], []
    if name == "company_headcount_range":
        raw = {"include": raw}
    if not isinstance(raw, dict):
        raise FilterError(f"The filter `{name}` must be an object with include/exclude lists.")
    out = []
    for part in ("include", "exclude"):
        items = raw.get(part) or []
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise FilterError(f"The filter `{name}` {part} must be a list of strings.")
        if len(items) > 500:
            raise FilterError(f"The filter `{name}` {part} has more than 500 values.")
        out.append(items)
    return out[0], out[1]


def _enum(filters: dict[str, Any], name: str, names: list[str]) -> set[int] | None:
    """The accepted value indexes of an enum filter (None: no filter)."""
    include, exclude = _values(filters, name)
    low = {n.lower(): i for i, n in enumerate(names)}
    for value in include + exclude:
        if value.strip().lower() not in low:
            raise FilterError(f"The value `{value}` is not supported for the filter `{name}`.")
    if not include and not exclude:
        return None
    keep = {low[v.strip().lower()] for v in include} if include else set(range(len(names)))
    return keep - {low[v.strip().lower()] for v in exclude}


def _titles(filters: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    raw = filters.get("person_job_title")
    if raw is None:
        return [], [], False
    include, exclude = _values(filters, "person_job_title")
    for value in include + exclude:
        if not 2 <= len(value) <= 100:
            raise FilterError("Each job title must be 2 to 100 characters long.")
    exact = raw.get("match_only_exact_job_titles", True)
    return [pp.norm_title(v) for v in include], [pp.norm_title(v) for v in exclude], bool(exact)


def _title_ok(title: str, include: list[str], exclude: list[str], exact: bool) -> bool:
    t = pp.norm_title(title)
    padded = f" {t} "

    def hit(q: str) -> bool:
        return t == q if exact else f" {q} " in padded

    return (not include or any(hit(q) for q in include)) and not any(hit(q) for q in exclude)


def _keep(slots: tuple[int, ...], accepted: set[int] | None) -> tuple[int, ...]:
    return tuple(s for s, v in enumerate(slots) if accepted is None or v in accepted)


def boxes_for(filters: Any) -> list[pp.Box]:
    """The people a ``filters`` object matches, as boxes (raises FilterError)."""
    if not isinstance(filters, dict) or not filters:
        raise FilterError("A search needs at least one include filter.")
    for name in filters:
        if name not in SUPPORTED:
            raise FilterError(f"The filter `{name}` is not supported by the sandbox.")
    sen = _enum(filters, "person_seniority", [s[0] for s in pp.SENIORITIES])
    dep = _enum(filters, "person_department", [d[0] for d in pp.DEPARTMENTS])
    country = _enum(filters, "person_location_search", [c[0] for c in pp.COUNTRIES])
    industry = _enum(filters, "company_industry", [i[0] for i in pp.INDUSTRIES])
    size = _enum(filters, "company_headcount_range", [s[0] for s in pp.SIZES])
    t_in, t_out, exact = _titles(filters)
    company = filters.get("company") or {}
    if not isinstance(company, dict):
        raise FilterError("The filter `company` must be an object with names/websites.")
    websites = _values(company, "websites")[0] if "websites" in company else []
    includes = [
        t_in,
        *(_values(filters, n)[0] for n in SUPPORTED[1:6]),
        websites,
    ]
    if not any(includes):
        raise FilterError("You cannot perform a search solely with exclude filters.")
    roles = tuple(
        r
        for r in range(pp.ROLES)
        if (sen is None or pp.role_parts(r)[0] in sen)
        and (dep is None or pp.role_parts(r)[1] in dep)
        and (not t_in and not t_out or _title_ok(pp.title_of(r), t_in, t_out, exact))
    )
    sizes = _keep(pp.SIZE_SLOTS, size)
    industries = _keep(pp.INDUSTRY_SLOTS, industry)
    countries = _keep(pp.COUNTRY_SLOTS, country)
    if not websites:
        return [pp.Box(roles, sizes, industries, countries)]
    boxes, seen = [], set()
    for site in websites:
        found = pp.company_of_domain(site)
        if found is None or found in seen:
            continue
        seen.add(found)
        cs, ind, ss, k = found
        if cs not in countries or ind not in industries or ss not in sizes:
            continue
        n = pp.companies_in(ss)
        boxes.append(pp.Box(tuple(r for r in roles if r % n == k), (ss,), (ind,), (cs,)))
    return boxes


# ------------------------------------------------------------------ the endpoint


def _error(status: int, code: str, headers: dict[str, str], **extra: Any) -> Response:
    return json_response(status, {"error": True, "error_code": code, **extra}, headers)


def search_person(req: Request, state: SandboxState) -> Response:
    key = req.headers.get("x-key", "")
    windows = _windows(state)
    if _enforced() and windows.full(key) is not None:
        return _error(429, "RATE_LIMITED", windows.headers(key))
    body = req.json()
    if not isinstance(body, dict):
        return _error(400, "INVALID_REQUEST", windows.headers(key))
    page = body.get("page", 1)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGES:
        return _error(400, "INVALID_REQUEST", windows.headers(key))
    try:
        boxes = boxes_for(body.get("filters"))
    except FilterError as exc:
        return _error(400, "INVALID_FILTERS", windows.headers(key), filter_error=str(exc))
    total = sum(b.count for b in boxes)
    start = (page - 1) * PER_PAGE
    if start >= min(total, MAX_PAGES * PER_PAGE):
        return _error(400, "NO_RESULTS", windows.headers(key))
    windows.record(key)
    state.bump(f"prospeo-used:{key}", 1)  # Prospeo bills its own account 1 credit a page
    state.bump(f"prospeo-search-pages:{key}", 1)
    results = []
    for q in range(start, min(start + PER_PAGE, total)):
        i = pp.nth(boxes, q)
        if i is not None:
            results.append(pp.record(i))
    return json_response(
        200,
        {
            "error": False,
            "results": results,
            "pagination": {
                "current_page": page,
                "per_page": PER_PAGE,
                "total_page": min(MAX_PAGES, math.ceil(total / PER_PAGE)),
                "total_count": total,
            },
        },
        windows.headers(key),
    )


ROUTES = {("POST", "/search-person"): search_person}
prospeo_api.ROUTES.update(ROUTES)  # served under /prospeo like the rest of Prospeo
