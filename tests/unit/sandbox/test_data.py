"""Sandbox data: deterministic, with hit rates that make a waterfall worth it."""

from __future__ import annotations

import phonenumbers

from clay_tui.sandbox import data

FIRST = [
    "Jane",
    "John",
    "Maria",
    "Ahmed",
    "Yuki",
    "Olga",
    "Pedro",
    "Chloe",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Ravi",
    "Anna",
    "Tom",
    "Lea",
    "Omar",
    "Ines",
    "Paul",
    "Zoe",
]
LAST = [
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Tanaka",
    "Ivanova",
    "Silva",
    "Martin",
    "Brown",
    "Rossi",
    "Nguyen",
    "Muller",
    "Patel",
    "Kowalski",
    "Dubois",
    "Larsen",
]
PEOPLE = [
    data.person(f, last, None, f"company{i}.com")
    for i in range(40)
    for f in FIRST
    for last in LAST[:4]
]  # 3,200 people


def _share(flags: list[bool]) -> float:
    return 100 * sum(flags) / len(flags)


def test_hit_rates_differ_and_overlap_only_partly() -> None:
    hunter = [data.provider_hit("hunter", p) for p in PEOPLE]
    prospeo = [data.provider_hit("prospeo", p) for p in PEOPLE]
    both = _share([h and p for h, p in zip(hunter, prospeo, strict=True)])
    either = _share([h or p for h, p in zip(hunter, prospeo, strict=True)])
    assert 61 <= _share(hunter) <= 69 and 51 <= _share(prospeo) <= 59
    assert either >= _share(hunter) + 8  # the waterfall finds visibly more than either
    assert both < _share(prospeo) - 10  # and the overlap is partial


def test_same_person_same_email_whatever_the_spelling() -> None:
    a = data.person("José", "García-López", None, "https://www.Acme.com/team")
    b = data.person(None, None, "  jose   garcia-lopez ", "ACME.COM")
    assert data.email_for(a) == data.email_for(b)
    assert data.email_for(a).endswith("@acme.com") and data.email_for(a).isascii()


def test_patterns_vary_by_domain_and_catch_all_share() -> None:
    domains = [f"firm{i}.com" for i in range(600)]
    locals_ = {data.email_for(data.person("Jane", "Doe", None, d)).split("@")[0] for d in domains}
    assert {"jane.doe", "janedoe", "jdoe", "jane"} <= locals_
    assert 10 <= _share([data.is_catch_all(d) for d in domains]) <= 20


def test_verifier_mix() -> None:
    verdicts = [data.verify(data.email_for(p)) for p in PEOPLE]
    statuses = {v.status for v in verdicts}
    assert {"valid", "invalid", "accept_all", "unknown"} <= statuses
    assert 60 <= _share([v.status == "valid" for v in verdicts]) <= 80
    assert data.verify("not-an-email").status == "invalid"
    assert data.verify("someone@gmail.com").status == "webmail"


def test_phones_are_valid_and_mostly_mobile() -> None:
    keys = [f"person-{i}" for i in range(400)]
    numbers = [data.phone_for(k) for k in keys]
    assert all(phonenumbers.is_valid_number(n) for n in numbers)
    mobileish = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    share = _share([phonenumbers.number_type(n) in mobileish for n in numbers])
    assert 85 <= share < 100  # a few landlines for the "mobile only" check to reject
    assert data.phone_fields("x") == data.phone_fields("x")
    hits = [data.pct("hit", "mobile", k) < data.HIT_RATES["mobile"] for k in keys]
    assert 33 <= _share(hits) <= 47


def test_chat_answer_is_short_and_deterministic() -> None:
    one = data.chat_answer("Which industry is Acme Logistics in?", "m")
    assert one == data.chat_answer("Which  industry is Acme Logistics in?", "m")
    assert one in data.INDUSTRIES
    assert data.chat_answer("Yes or no: is Initech hiring?", "m") in {"Yes", "No"}
    assert len(data.chat_answer("Summarize the company Initech", "m").split()) < 12
