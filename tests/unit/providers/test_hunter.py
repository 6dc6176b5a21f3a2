"""Hunter adapters against the real sandbox over loopback: answers and faults."""

from __future__ import annotations

import time

import pytest

from clay_tui.providers import Outcome, hunter
from clay_tui.sandbox import data
from tests.unit.providers.conftest import DOMAINS, assert_no_key, fault, pick

FOUND = pick(lambda p: data.provider_hit("hunter", p) and not data.is_catch_all(p.domain))
MISSED = pick(lambda p: not data.provider_hit("hunter", p))
CATCH_ALL = pick(lambda p: data.provider_hit("hunter", p) and data.is_catch_all(p.domain))


def _args(person: tuple[str, str, str]) -> dict[str, str]:
    first, last, domain = person
    return {"first_name": first, "last_name": last, "domain": domain}


@pytest.mark.parametrize("loopback", [True, False], ids=["loopback", "httpcore"])
async def test_found_email_is_billable_and_normalized(make_providers, loopback) -> None:
    client = make_providers(loopback=loopback).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.FOUND
    assert result.billable and result.sandbox and result.provider == "hunter"
    first, last, domain = FOUND
    assert result.data["email"] == data.email_for(data.person(first, last, None, domain))
    assert result.data["domain"] == domain and 0 <= result.data["score"] <= 100
    assert set(result.data) == {
        "email",
        "score",
        "verification_status",
        "accept_all",
        "position",
        "linkedin_url",
        "domain",
    }
    assert_no_key(result)


async def test_same_person_same_email_by_full_name_and_company(make_providers) -> None:
    client = make_providers().client("hunter")
    first, last, domain = FOUND
    by_parts = await hunter.find_email(client, **_args(FOUND))
    by_full = await hunter.find_email(client, full_name=f"  {first} {last} ", domain=domain.upper())
    by_company = await hunter.find_email(
        client, first_name=first, last_name=last, company=domain.split(".")[0].capitalize() + " Inc"
    )
    assert by_parts.data["email"] == by_full.data["email"] == by_company.data["email"]


async def test_not_found_is_200_null_email_and_free(make_providers) -> None:
    result = await hunter.find_email(make_providers().client("hunter"), **_args(MISSED))
    assert result.outcome is Outcome.NO_DATA and not result.billable and result.data == {}
    assert result.raw["data"]["email"] is None


async def test_catch_all_domain_reports_accept_all(make_providers) -> None:
    result = await hunter.find_email(make_providers().client("hunter"), **_args(CATCH_ALL))
    assert result.outcome is Outcome.FOUND
    assert result.data["accept_all"] is True


async def test_missing_input_makes_no_call(make_providers) -> None:
    client = make_providers().client("hunter")
    no_domain = await hunter.find_email(client, first_name="Jane", last_name="Doe")
    no_name = await hunter.find_email(client, first_name="Jane", domain="acme.com")
    assert no_domain.error_id == no_name.error_id == "missing_input"
    assert client.calls == 0


async def test_400_is_not_retried(make_providers) -> None:
    client = make_providers().client("hunter")
    result = await hunter.find_email(
        client, first_name="Jane", last_name="Doe", domain="not a domain"
    )
    assert result.outcome is Outcome.ERROR and result.error_id == "invalid_domain"
    assert client.calls == 1 and not result.stop_provider


async def test_bad_key_stops_provider_and_names_env_var(make_providers) -> None:
    providers = make_providers(headers={"X-API-KEY": "wrong-key"})
    client = providers.client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.ERROR and result.error_id == "authentication_failed"
    assert result.stop_provider and "HUNTER_API_KEY" in result.message
    assert "wrong-key" not in result.message and client.calls == 1
    again = await hunter.verify_email(client, email="jane@acme.com")
    assert again.stop_provider and client.calls == 1  # no more calls this run


async def test_usage_limit_429_stops_without_retry(make_providers) -> None:
    client = make_providers(headers=fault("quota_exhausted")).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.error_id == "usage_limit" and result.stop_provider
    assert client.calls == 1


@pytest.mark.parametrize("name", ["throttle_429", "forbidden_403"])
async def test_throttle_is_retried_after_retry_after(make_providers, name) -> None:
    headers = fault(name, times=1, fault_id=f"hunter-{name}", retry_after="0.3")
    client = make_providers(headers=headers).client("hunter")
    start = time.monotonic()
    result = await hunter.find_email(client, **_args(FOUND))
    elapsed = time.monotonic() - start
    assert result.outcome is Outcome.FOUND and client.calls == 2 and client.throttled == 1
    if name == "throttle_429":  # the sandbox sends Retry-After only with 429
        assert elapsed >= 0.28


async def test_throttle_forever_ends_as_error(make_providers) -> None:
    client = make_providers(
        headers=fault("throttle_429", retry_after="0.01"), max_retries=2
    ).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.ERROR and result.error_id == "too_many_requests"
    assert client.calls == 3 and not result.billable


async def test_server_error_retried_then_error(make_providers) -> None:
    client = make_providers(headers=fault("server_error_500"), max_retries=2).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.ERROR and result.error_id == "server_error"
    assert client.calls == 3


async def test_server_error_once_then_found(make_providers) -> None:
    headers = fault("server_error_500", times=1, fault_id="hunter-500-once")
    client = make_providers(headers=headers).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.FOUND and client.calls == 2


@pytest.mark.parametrize("loopback", [True, False], ids=["loopback", "httpcore"])
async def test_malformed_json_is_an_error_not_an_exception(make_providers, loopback) -> None:
    client = make_providers(headers=fault("malformed_json"), loopback=loopback).client("hunter")
    finder = await hunter.find_email(client, **_args(FOUND))
    verifier = await hunter.verify_email(client, email="jane@acme.com")
    assert finder.error_id == verifier.error_id == "malformed_json"
    assert finder.outcome is Outcome.ERROR and not finder.billable


async def test_get_timeout_is_retried_and_not_unknown(make_providers) -> None:
    client = make_providers(headers=fault("timeout"), timeout_s=0.2, max_retries=1).client("hunter")
    result = await hunter.find_email(client, **_args(FOUND))
    assert result.outcome is Outcome.ERROR and result.error_id == "timeout"
    assert client.calls == 2 and not result.unknown_outcome


def _email_with(status: str, http_status: int = 200) -> str:
    for f, last, d in (
        (f, last, d)
        for f in ("a", "b", "c", "d", "e")
        for last in range(400)
        for d in [*DOMAINS, "gmail.com"]
    ):
        email = f"{f}{last}@{d}"
        verdict = data.verify(email)
        if verdict.status == status and verdict.http_status == http_status:
            return email
    raise AssertionError(status)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("valid", Outcome.FOUND),
        ("webmail", Outcome.FOUND),
        ("accept_all", Outcome.FOUND),
        ("invalid", Outcome.INVALID),
        ("unknown", Outcome.NO_DATA),
    ],
)
async def test_verifier_statuses(make_providers, status, outcome) -> None:
    email = _email_with(status)
    result = await hunter.verify_email(make_providers().client("hunter"), email=email)
    assert result.outcome is outcome and result.data["status"] == status
    assert result.data["email"] == email
    assert result.billable is (outcome is not Outcome.NO_DATA)
    if status == "accept_all":
        assert result.data["accept_all"] is True


async def test_verifier_bad_syntax_is_invalid(make_providers) -> None:
    result = await hunter.verify_email(make_providers().client("hunter"), email="jane@acme")
    assert result.outcome is Outcome.INVALID and result.data["result"] == "undeliverable"


async def test_verifier_222_is_unknown_and_free(make_providers) -> None:
    client = make_providers().client("hunter")
    result = await hunter.verify_email(client, email=_email_with("unknown", 222))
    assert result.outcome is Outcome.NO_DATA and result.error_id == "verification_failed"
    assert not result.billable and client.calls == 1


async def test_verifier_202_is_asked_again(make_providers) -> None:
    client = make_providers().client("hunter")
    email = _email_with("valid", 202)
    result = await hunter.verify_email(client, email=email)
    assert result.outcome is Outcome.FOUND and client.calls == 2


async def test_verifier_202_forever_becomes_unknown(make_providers, monkeypatch) -> None:
    client = make_providers().client("hunter")
    email = _email_with("valid", 202).replace("@", "x@")  # a fresh address
    monkeypatch.setattr(data, "verify", lambda e: data.Verdict("valid", "deliverable", 90, 202))
    monkeypatch.setattr("clay_tui.sandbox.state.SandboxState.first_time", lambda *a: True)
    monkeypatch.setattr(hunter, "VERIFY_BUDGET_S", 0.1)
    result = await hunter.verify_email(client, email=email)
    assert result.outcome is Outcome.NO_DATA and result.error_id == "verification_in_progress"
    assert 3 <= client.calls <= hunter.VERIFY_MAX_ASKS
