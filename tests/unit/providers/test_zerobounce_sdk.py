"""ZeroBounce's official Python SDK (zerobouncesdk) pointed at the sandbox over https.

The SDK refuses any base URL that is not https://, so the sandbox is served with a throwaway
certificate (the ``https_sandbox`` fixture) and requests trusts its CA (REQUESTS_CA_BUNDLE).
What the real service answers, from ZeroBounce's docs and the SDK's own tests:

- GET /v2/validate: the validation (status, sub_status, address...); a wrong key is a 200
  ``{"error": "Invalid API Key or your account ran out of credits"}``
  (https://www.zerobounce.net/docs/email-validation-api-quickstart/v2-validate-emails);
- POST /v2/validatebatch: ``email_batch`` and ``errors``; a wrong key is a 200 with no
  validations and one error for ``"email_address": "all"``
  (https://www.zerobounce.net/docs/email-validation-api-quickstart/v2-batch-validate-emails,
  and the SDK's test_response_contains_errors);
- GET /v2/getcredits: ``{"Credits": N}``, and ``-1`` for a key that is not valid
  (https://www.zerobounce.net/docs/email-validation-api-quickstart/v2-credit-balance).
"""

from __future__ import annotations

import pytest
from zerobouncesdk import (
    ZBApiException,
    ZBClientException,
    ZBValidateBatchElement,
    ZBValidateStatus,
    ZBValidateSubStatus,
    ZeroBounce,
)

from clay_tui.config import SANDBOX_KEY
from clay_tui.sandbox import data


@pytest.fixture
def zb_url(https_sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    url, ca = https_sandbox
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    return f"{url}/zerobounce/v2"


def test_the_sdk_refuses_plain_http(sandbox_url) -> None:
    with pytest.raises(ZBClientException):
        ZeroBounce(SANDBOX_KEY, f"{sandbox_url}/zerobounce/v2")


def _emails() -> dict[str, str]:
    """One sandbox email for each ZeroBounce status the sandbox gives (deterministic)."""
    want = {"valid": "valid", "accept_all": "catch-all", "invalid": "invalid", "unknown": "unknown"}
    out: dict[str, str] = {"disposable@mailinator.com": "invalid"}
    seen: set[str] = set()
    for i in range(500):
        email = f"lead{i}@company{i}.com"
        verdict = data.verify(email)
        if verdict.status in want and verdict.status not in seen and verdict.http_status == 200:
            seen.add(verdict.status)
            out[email] = want[verdict.status]
    assert seen == set(want)
    return out


def test_validate_one_email_as_the_service_does(zb_url) -> None:
    zb = ZeroBounce(SANDBOX_KEY, zb_url)
    for email, status in _emails().items():
        got = zb.validate(email, ip_address="")
        assert got.address == email
        assert got.status == ZBValidateStatus(status), email
        assert got.account == email.split("@")[0] and got.domain == email.split("@")[1]
        assert got.mx_found is True and got.processed_at is not None
        if status == "unknown":
            assert got.sub_status == ZBValidateSubStatus.mail_server_did_not_respond
        if email.startswith("disposable@"):
            assert got.sub_status == ZBValidateSubStatus.disposable


def test_validate_batch_gives_each_email_its_single_verdict(zb_url) -> None:
    zb = ZeroBounce(SANDBOX_KEY, zb_url)
    emails = _emails()
    got = zb.validate_batch([ZBValidateBatchElement(e, "1.1.1.1") for e in emails])
    assert got.errors == []
    assert {a.address: a.status for a in got.email_batch} == {
        e: ZBValidateStatus(s) for e, s in emails.items()
    }
    assert all(a.sub_status is not None and a.domain for a in got.email_batch)


def test_the_sdks_form_posts_are_the_same_as_its_gets(zb_url) -> None:
    zb = ZeroBounce(SANDBOX_KEY, zb_url)
    for email, status in list(_emails().items())[:3]:
        assert zb.validate(email, use_post=True).status == ZBValidateStatus(status)
    assert zb.get_credits(use_post=True).credits == zb.get_credits().credits
    with pytest.raises(ZBApiException, match="^Invalid API Key"):
        ZeroBounce("not-a-key", zb_url).validate("jane.doe@acme.com", use_post=True)


def test_get_credits(zb_url) -> None:
    assert int(ZeroBounce(SANDBOX_KEY, zb_url).get_credits().credits) > 0
    # a key that is not valid: -1, no error (the docs' "Error Response")
    assert ZeroBounce("not-a-key", zb_url).get_credits().credits == "-1"


def test_a_wrong_key_is_the_services_invalid_key_answer(zb_url) -> None:
    zb = ZeroBounce("not-a-key", zb_url)
    with pytest.raises(
        ZBApiException, match="^Invalid API Key or your account ran out of credits$"
    ):
        zb.validate("jane.doe@acme.com")
    with pytest.raises(
        ZBApiException, match="^Invalid API Key or your account ran out of credits$"
    ):
        zb.validate_batch([ZBValidateBatchElement("jane.doe@acme.com")])
