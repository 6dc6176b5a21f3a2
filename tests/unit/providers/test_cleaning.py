"""Free cleaning actions on tricky inputs."""

from __future__ import annotations

import pytest

from clay_tui.providers import Outcome
from clay_tui.providers.cleaning import normalize_domain, normalize_phone, validate_email_syntax


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(415) 555-0132", "US", "+14155550132"),
        ("415.555.0132", "US", "+14155550132"),
        ("+1 415 555 0132", "DE", "+14155550132"),  # a + prefix wins over the default region
        ("001 415 555 0132", "DE", "+14155550132"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 (0) 7911 123456", "US", "+447911123456"),
        ("030 123456", "DE", "+4930123456"),
        ("1-800-FLOWERS", "US", "+18003569377"),  # vanity letters
        (" tel: +33 1 23 45 67 89 ", "US", "+33123456789"),
    ],
)
def test_phone_formats(raw, region, e164) -> None:
    result = normalize_phone(raw, region)
    assert result.outcome is Outcome.FOUND and result.data["phone"] == e164
    assert result.provider == "cleaning" and not result.billable


def test_phone_extension_is_kept_apart() -> None:
    result = normalize_phone("415-555-0132 ext. 12")
    assert result.data["phone"] == "+14155550132" and result.data["extension"] == "12"


@pytest.mark.parametrize(
    "raw", ["call me", "12", "+1 555", "020 7946 0958", "abc-defg", "+999 123 4567"]
)
def test_invalid_phones_are_a_status_not_a_value(raw) -> None:
    result = normalize_phone(raw, "US")
    assert result.outcome is Outcome.INVALID and "phone" not in result.data


def test_empty_phone_is_no_data() -> None:
    assert normalize_phone(None).outcome is Outcome.NO_DATA
    assert normalize_phone("   ").outcome is Outcome.NO_DATA


def test_mobile_only() -> None:
    landline = normalize_phone("+44 20 7946 0958", mobile_only=True)
    assert landline.outcome is Outcome.INVALID and landline.error_id == "not_mobile"
    assert normalize_phone("+44 7911 123456", mobile_only=True).outcome is Outcome.FOUND
    us = normalize_phone("(415) 555-0132", mobile_only=True)  # US numbers may be either
    assert us.outcome is Outcome.FOUND


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("  jane@acme.com ", "jane@acme.com"),
        ("Jane.Doe@ACME.COM", "Jane.Doe@acme.com"),
        ("jösé@bücher.de", "jösé@bücher.de"),
        ("jane+tag@sub.acme.co.uk", "jane+tag@sub.acme.co.uk"),
    ],
)
def test_valid_emails(raw, email) -> None:
    result = validate_email_syntax(raw)
    assert result.outcome is Outcome.FOUND and result.data["email"] == email


@pytest.mark.parametrize(
    "raw",
    [
        "jane doe@acme.com",
        "jane@acme",
        "jane@@acme.com",
        "@acme.com",
        "jane@",
        "jane.acme.com",
        "jane@acme..com",
    ],
)
def test_invalid_emails(raw) -> None:
    result = validate_email_syntax(raw)
    assert result.outcome is Outcome.INVALID and result.message and "email" not in result.data


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("HTTPS://WWW.Acme.COM/about", "acme.com"),
        ("jane@Acme.co.uk", "acme.co.uk"),
        ("acme.com:8080", "acme.com"),
        ("  acme.com  ", "acme.com"),
        ("http://user:pw@www.shop.acme.io:443/x?y=1#z", "shop.acme.io"),
        ("acme.com.", "acme.com"),
        ("www.bücher.de/impressum", "bücher.de"),
    ],
)
def test_domains(raw, domain) -> None:
    result = normalize_domain(raw)
    assert result.outcome is Outcome.FOUND and result.data["domain"] == domain


@pytest.mark.parametrize("raw", ["localhost", "Acme Inc", "http://", "10.0.0.1", "-acme-.com"])
def test_not_domains(raw) -> None:
    assert normalize_domain(raw).outcome is Outcome.INVALID
