"""Prospeo adapters against the real sandbox (enrich-person): answers, NO_MATCH, billing, faults."""

from __future__ import annotations

import time

from clay_tui.providers import Outcome, prospeo
from clay_tui.sandbox import data
from tests.unit.providers.conftest import assert_no_key, fault, people, pick

VALID = pick(lambda p: data.provider_hit("prospeo", p) and not data.is_catch_all(p.domain))
CATCH_ALL = pick(lambda p: data.provider_hit("prospeo", p) and data.is_catch_all(p.domain))
MISS = pick(lambda p: not data.provider_hit("prospeo", p))


def _args(person: tuple[str, str, str]) -> dict[str, str]:
    first, last, domain = person
    return {"first_name": first, "last_name": last, "company": domain}


def _linkedin(hit: bool) -> str:
    for f, last, _ in people():
        url = f"https://www.linkedin.com/in/{f.lower()}-{last.lower()}/"
        if (data.pct("hit", "mobile", data.linkedin_key(url)) < data.HIT_RATES["mobile"]) == hit:
            return url
    raise AssertionError


async def _used(client) -> int:
    result = await prospeo.account(client)
    assert result.outcome is Outcome.FOUND and not result.billable
    return result.data["used_credits"]


async def test_valid_email_is_billable(make_providers) -> None:
    result = await prospeo.find_email(make_providers().client("prospeo"), **_args(VALID))
    assert result.outcome is Outcome.FOUND and result.billable and result.sandbox
    assert result.data["email_status"] == "VERIFIED"
    first, last, domain = VALID
    assert result.data["email"] == data.email_for(data.person(first, last, None, domain))
    assert_no_key(result)


async def test_catch_all_domain_is_unverified(make_providers) -> None:
    result = await prospeo.find_email(make_providers().client("prospeo"), **_args(CATCH_ALL))
    assert result.outcome is Outcome.FOUND and result.data["email_status"] == "UNVERIFIED"


async def test_only_verified_email_turns_unverified_into_no_match(make_providers) -> None:
    client = make_providers().client("prospeo")
    before = await _used(client)
    result = await prospeo.find_email(client, **_args(CATCH_ALL), only_verified_email=True)
    assert result.outcome is Outcome.NO_DATA and result.error_id == "NO_MATCH"
    assert await _used(client) == before  # not returned, not billed


async def test_no_match_is_400_no_data_and_not_billed_by_prospeo(make_providers) -> None:
    client = make_providers().client("prospeo")
    before = await _used(client)
    result = await prospeo.find_email(client, **_args(MISS))
    assert result.outcome is Outcome.NO_DATA and result.error_id == "NO_MATCH"
    assert not result.billable and await _used(client) == before


async def test_prospeo_bills_one_per_match_and_nothing_for_a_repeat(make_providers) -> None:
    client = make_providers().client("prospeo")
    person = pick(lambda p: data.provider_hit("prospeo", p) and p.first == "Ines")
    before = await _used(client)
    one = await prospeo.find_email(client, **_args(person))
    middle = await _used(client)
    two = await prospeo.find_email(client, **_args(person))
    assert one.ok and two.ok and two.data["free"] is True
    assert middle - before == (0 if one.data["free"] else 1)
    assert await _used(client) == middle  # already enriched: free_enrichment


async def test_mobile_is_billed_ten_by_prospeo(make_providers) -> None:
    client = make_providers().client("prospeo")
    url = _linkedin(True)
    before = await _used(client)
    result = await prospeo.find_mobile(client, linkedin_url=url)
    assert result.outcome is Outcome.FOUND
    assert await _used(client) - before == (0 if result.data["free"] else 10)


async def test_full_name_variant(make_providers) -> None:
    first, last, domain = VALID
    result = await prospeo.find_email(
        make_providers().client("prospeo"),
        full_name=f"{first} {last}",
        company=f"https://{domain}/",
    )
    assert result.outcome is Outcome.FOUND


async def test_invalid_datapoints_is_an_error_without_retry(make_providers) -> None:
    client = make_providers().client("prospeo")
    result = await prospeo.find_email(client, first_name="123", last_name="456", company="x.com")
    assert result.outcome is Outcome.ERROR and result.error_id == "INVALID_DATAPOINTS"
    assert client.calls == 1
    missing = await prospeo.find_email(client, first_name="Jane", last_name="Doe")
    assert missing.error_id == "missing_input" and client.calls == 1


async def test_mobile_found_is_e164(make_providers) -> None:
    result = await prospeo.find_mobile(
        make_providers().client("prospeo"), linkedin_url=_linkedin(True)
    )
    assert result.outcome is Outcome.FOUND and result.billable
    assert result.data["phone"].startswith("+") and result.data["phone"][1:].isdigit()
    assert result.data["country_code"] and result.data["international_format"]


async def test_mobile_no_match_and_bad_url(make_providers) -> None:
    client = make_providers().client("prospeo")
    miss = await prospeo.find_mobile(client, linkedin_url=_linkedin(False))
    bad = await prospeo.find_mobile(client, linkedin_url="https://example.com/jane")
    assert miss.outcome is Outcome.NO_DATA and miss.error_id == "NO_MATCH"
    assert bad.outcome is Outcome.ERROR and bad.error_id == "INVALID_DATAPOINTS"


async def test_enrich_person_match_then_repeat_is_free(make_providers) -> None:
    client = make_providers().client("prospeo")
    first, last, domain = pick(
        lambda p: (
            data.provider_hit("prospeo", p)
            and not data.is_catch_all(p.domain)
            and p.first == "Olga"
        )
    )
    points = {"first_name": first, "last_name": last, "company_website": domain}
    one = await prospeo.enrich_person(client, data=points)
    two = await prospeo.enrich_person(client, data=points)
    assert one.outcome is two.outcome is Outcome.FOUND
    assert one.data["email"] == data.email_for(data.person(first, last, None, domain))
    assert one.data["email_status"] == "VERIFIED" and one.data["job_title"]
    assert one.billable and not two.billable and two.data["free_enrichment"] is True


async def test_enrich_person_no_match_is_400_no_data(make_providers) -> None:
    first, last, domain = pick(lambda p: not data.provider_hit("prospeo", p))
    result = await prospeo.enrich_person(
        make_providers().client("prospeo"),
        data={"first_name": first, "last_name": last, "company_website": domain},
    )
    assert result.outcome is Outcome.NO_DATA and result.error_id == "NO_MATCH"


async def test_enrich_person_invalid_datapoints(make_providers) -> None:
    result = await prospeo.enrich_person(
        make_providers().client("prospeo"), data={"job_title": "CEO"}
    )
    assert result.outcome is Outcome.ERROR and result.error_id == "INVALID_DATAPOINTS"


async def test_paid_post_timeout_is_unknown_outcome_not_retried(make_providers) -> None:
    client = make_providers(headers=fault("timeout"), timeout_s=0.2).client("prospeo")
    result = await prospeo.find_email(client, **_args(VALID))
    assert result.outcome is Outcome.ERROR and result.unknown_outcome
    assert result.error_id == "timeout" and not result.billable and client.calls == 1


async def test_paid_post_timeout_on_httpcore_too(make_providers) -> None:
    client = make_providers(headers=fault("timeout"), timeout_s=0.2, loopback=False).client(
        "prospeo"
    )
    result = await prospeo.find_mobile(client, linkedin_url=_linkedin(True))
    assert result.unknown_outcome and client.calls == 1


async def test_insufficient_credits_stops_provider(make_providers) -> None:
    client = make_providers(headers=fault("quota_exhausted")).client("prospeo")
    result = await prospeo.find_email(client, **_args(VALID))
    assert result.error_id == "INSUFFICIENT_CREDITS" and result.stop_provider
    enrich = await prospeo.enrich_person(client, data={"first_name": "A"})
    assert enrich.stop_provider and client.calls == 1


async def test_invalid_api_key(make_providers) -> None:
    client = make_providers(headers={"X-KEY": "nope"}).client("prospeo")
    result = await prospeo.enrich_person(
        client, data={"first_name": "Jane", "last_name": "Doe", "company_website": "acme.com"}
    )
    assert result.error_id == "INVALID_API_KEY" and result.stop_provider
    assert "PROSPEO_API_KEY" in result.message and "nope" not in result.message


async def test_rate_limited_retried_with_retry_after(make_providers) -> None:
    headers = fault("throttle_429", times=1, fault_id="prospeo-429", retry_after="0.25")
    client = make_providers(headers=headers).client("prospeo")
    start = time.monotonic()
    result = await prospeo.find_email(client, **_args(VALID))
    assert result.outcome is Outcome.FOUND and client.calls == 2
    assert time.monotonic() - start >= 0.23


async def test_rate_limited_forever_is_error(make_providers) -> None:
    client = make_providers(headers=fault("throttle_429", retry_after="0"), max_retries=1).client(
        "prospeo"
    )
    result = await prospeo.find_email(client, **_args(VALID))
    assert result.error_id == "RATE_LIMITED" and client.calls == 2


async def test_403_is_not_retried_for_prospeo(make_providers) -> None:
    client = make_providers(headers=fault("forbidden_403")).client("prospeo")
    result = await prospeo.find_email(client, **_args(VALID))
    assert result.outcome is Outcome.ERROR and result.error_id == "ACCESS_DENIED"
    assert client.calls == 1


async def test_malformed_and_500(make_providers) -> None:
    bad = await prospeo.find_email(
        make_providers(headers=fault("malformed_json")).client("prospeo"), **_args(VALID)
    )
    assert bad.error_id == "malformed_json"
    client = make_providers(headers=fault("server_error_500"), max_retries=1).client("prospeo")
    err = await prospeo.find_email(client, **_args(VALID))
    assert err.error_id == "INTERNAL_ERROR" and client.calls == 2


async def test_bulk_gives_what_single_calls_give(make_providers) -> None:
    client = make_providers().client("prospeo")
    sample = people()[100:150]
    records = {
        f"r{i}": {"first_name": f, "last_name": last, "company": d}
        for i, (f, last, d) in enumerate(sample)
    }
    bulk = await prospeo.bulk_find_email(client, records)
    assert client.calls == 1 and set(bulk) == set(records)
    for ident, record in records.items():
        single = await prospeo.find_email(client, **record)
        assert bulk[ident].outcome is single.outcome, ident
        if single.ok:
            assert bulk[ident].data["email"] == single.data["email"]
            assert bulk[ident].data["email_status"] == single.data["email_status"]
