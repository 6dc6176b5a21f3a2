"""The sandbox's /search-person: a large deterministic population, Prospeo's shapes, errors
and search rate limits."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from clay_tui.config import SandboxSettings
from clay_tui.sandbox import prospeo_people as pp
from clay_tui.sandbox.http import Request
from clay_tui.sandbox.routes import Router

VP_SALES = {
    "person_job_title": {"include": ["VP of Sales"], "match_only_exact_job_titles": False},
    "person_location_search": {"include": ["United States"]},
    "company_industry": {"include": ["Software Development"]},
    "company_headcount_range": ["51-100", "101-200"],
}


def ask(router: Router, filters, page: int = 1, key: str = "sandbox-key"):
    body = json.dumps({"page": page, "filters": filters}).encode()
    res = router.handle(Request("POST", "/prospeo/search-person", {}, {"x-key": key}, body))
    return res.status, json.loads(res.body), res.headers


@pytest.fixture
def router(monkeypatch) -> Router:
    monkeypatch.setenv("CLAY_TUI_SANDBOX_RATE_LIMITS", "off")
    return Router(SandboxSettings(latency_ms=0, jitter_ms=0))


def test_population_is_large_spread_and_deterministic() -> None:
    assert pp.POPULATION >= 100_000
    sample = [pp.record(i) for i in {pp.h("sample", k) % pp.POPULATION for k in range(3000)}]
    assert pp.record(12345) == pp.record(12345)
    countries = Counter(r["person"]["location"]["country"] for r in sample)
    assert set(countries) == {c[0] for c in pp.COUNTRIES}
    assert countries.most_common(1)[0][0] == "United States"  # weighted, not uniform
    for field, values in (
        ("industry", pp.INDUSTRIES),
        ("employee_range", pp.SIZES),
    ):
        assert {r["company"][field] for r in sample} == {v[0] for v in values}
    seniorities = {r["person"]["job_history"][0]["seniority"] for r in sample}
    departments = {r["person"]["job_history"][0]["departments"][0] for r in sample}
    assert seniorities == {s[0] for s in pp.SENIORITIES}
    assert departments == {d[0] for d in pp.DEPARTMENTS}
    assert len({r["person"]["linkedin_url"] for r in sample}) == len(sample)
    assert all("email" not in r["person"] and "mobile" not in r["person"] for r in sample)


def test_pages_have_prospeos_shape_and_page_through_distinct_people(router) -> None:
    status, body, headers = ask(router, VP_SALES)
    assert status == 200 and body["error"] is False
    assert body["pagination"] == {
        "current_page": 1,
        "per_page": 25,
        "total_page": 16,
        "total_count": 384,
    }
    assert headers["x-second-rate-limit"] == "5" and "x-minute-request-left" in headers
    seen = []
    for page in range(1, 17):
        _, body, _ = ask(router, VP_SALES, page)
        for r in body["results"]:
            assert "vp of sales" in r["person"]["current_job_title"].lower()
            assert r["company"]["employee_range"] in ("51-100", "101-200")
            assert r["person"]["location"]["country"] == "United States"
        seen += [r["person"]["linkedin_url"] for r in body["results"]]
    assert len(seen) == len(set(seen)) == 384
    assert ask(router, VP_SALES, 17)[1] == {"error": True, "error_code": "NO_RESULTS"}
    # a big search says its true count, but serves at most 1000 pages
    _, big, _ = ask(router, {"person_location_search": {"include": ["United States"]}})
    assert big["pagination"]["total_page"] == 1000 and big["pagination"]["total_count"] > 25_000


def test_a_company_website_finds_that_companys_people(router) -> None:
    _, body, _ = ask(router, VP_SALES)
    domain = body["results"][0]["company"]["domain"]
    _, staff, _ = ask(router, {"company": {"websites": {"include": [f"https://www.{domain}/"]}}})
    assert staff["pagination"]["total_count"] > 1
    assert {r["company"]["domain"] for r in staff["results"]} == {domain}
    status, none, _ = ask(router, {"company": {"websites": {"include": ["nosuchcompany.com"]}}})
    assert (status, none["error_code"]) == (400, "NO_RESULTS")


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"person_seniority": {"include": ["Boss"]}}, "`Boss` is not supported"),
        ({"person_seniority": {"exclude": ["Intern"]}}, "solely with exclude"),
        ({}, "at least one include filter"),
        ({"company_funding": {"stage": ["Seed"]}}, "not supported by the sandbox"),
    ],
)
def test_invalid_filters_say_why(router, filters, needle) -> None:
    status, body, _ = ask(router, filters)
    assert status == 400 and body["error_code"] == "INVALID_FILTERS"
    assert needle in body["filter_error"]


def test_bad_page_and_bad_key(router) -> None:
    assert ask(router, VP_SALES, 1001)[1]["error_code"] == "INVALID_REQUEST"
    status, body, _ = ask(router, VP_SALES, key="wrong")
    assert (status, body["error_code"]) == (401, "INVALID_API_KEY")


def test_search_rate_limits_are_enforced_and_billed_per_page(monkeypatch) -> None:
    monkeypatch.setenv("CLAY_TUI_SANDBOX_RATE_LIMITS", "on")
    router = Router(SandboxSettings(latency_ms=0, jitter_ms=0))
    answers = [ask(router, VP_SALES, page) for page in range(1, 8)]
    statuses = [a[0] for a in answers]
    assert statuses[:5] == [200] * 5  # Pro plan: 5 a second
    assert 429 in statuses[5:]
    refused = next(a for a in answers if a[0] == 429)
    assert refused[1]["error_code"] == "RATE_LIMITED"
    # refused requests are neither counted nor billed; each page served is one credit
    assert router.state.count("prospeo-used:sandbox-key") == statuses.count(200)
    assert refused[2]["x-minute-request-left"] == str(180 - statuses.count(200))
