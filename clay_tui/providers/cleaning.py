"""Free, offline cleaning actions: phone (E.164), email syntax, domain.

An input that is not a phone/email/domain is ``INVALID`` (a status, not a value),
so a bad number never lands in the table looking like a good one.
"""

from __future__ import annotations

from functools import cache

from clay_tui.domains import domain_of
from clay_tui.providers.base import Outcome, ProviderResult

PROVIDER = "cleaning"


@cache
def _phone_types() -> tuple[set[int], dict[int, str]]:
    """The mobile number types and every type's name (phonenumbers' own constants)."""
    import phonenumbers  # imported when first needed: start-up

    mobile = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    names = {
        v: k.lower()
        for k, v in vars(phonenumbers.PhoneNumberType).items()
        if k.isupper() and isinstance(v, int)
    }
    return mobile, names


def _result(
    action: str,
    outcome: Outcome,
    data: dict | None = None,
    message: str = "",
    error_id: str | None = None,
) -> ProviderResult:
    return ProviderResult(
        outcome=outcome,
        provider=PROVIDER,
        action=action,
        data=data or {},
        message=message,
        error_id=error_id,
    )


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalize_phone(
    value: str | None, default_region: str = "US", *, mobile_only: bool = False
) -> ProviderResult:
    """E.164 via phonenumbers, numbers without ``+`` read in ``default_region``.

    data: phone, country_code (region), type, extension (or None).
    """
    import phonenumbers  # imported when first needed: start-up

    action = "normalize_phone"
    if _empty(value):
        return _result(action, Outcome.NO_DATA, message="The phone is empty.")
    text = str(value).strip()
    region = (default_region or "US").upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return _result(
            action, Outcome.INVALID, {"input": text}, "Not a phone number.", "invalid_phone"
        )
    if not phonenumbers.is_valid_number(number):
        return _result(
            action, Outcome.INVALID, {"input": text}, "Not a valid phone number.", "invalid_phone"
        )
    kind = phonenumbers.number_type(number)
    mobile_types, type_names = _phone_types()
    if mobile_only and kind not in mobile_types:
        return _result(
            action,
            Outcome.INVALID,
            {"input": text, "type": type_names.get(kind)},
            f"Not a mobile number ({type_names.get(kind, 'unknown')}).",
            "not_mobile",
        )
    data = {
        "phone": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "country_code": phonenumbers.region_code_for_number(number),
        "type": type_names.get(kind, "unknown"),
        "extension": number.extension or None,
    }
    return _result(action, Outcome.FOUND, data)


def validate_email_syntax(value: str | None) -> ProviderResult:
    """Syntax only (no DNS). data: email (normalized: domain lowercased), domain."""
    # imported when first needed: start-up
    from email_validator import EmailNotValidError, validate_email

    action = "validate_email"
    if _empty(value):
        return _result(action, Outcome.NO_DATA, message="The email is empty.")
    text = str(value).strip()
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return _result(action, Outcome.INVALID, {"input": text}, str(exc), "invalid_email")
    return _result(action, Outcome.FOUND, {"email": info.normalized, "domain": info.domain})


def normalize_domain(value: str | None) -> ProviderResult:
    """From a URL, an email or a domain. data: domain."""
    action = "normalize_domain"
    if _empty(value):
        return _result(action, Outcome.NO_DATA, message="The domain is empty.")
    domain = domain_of(value)
    if domain is None:
        return _result(
            action,
            Outcome.INVALID,
            {"input": str(value).strip()},
            "Not a domain, URL or email.",
            "invalid_domain",
        )
    return _result(action, Outcome.FOUND, {"domain": domain})
