"""Deterministic fake people, emails and phones for the sandbox.

Everything is a pure function of the normalized inputs (a SHA-256 hash), so the
same person always gets the same email from every provider, while each
provider's *hit* is drawn with its own salt: Hunter ~65 %, Prospeo ~55 %,
overlapping only partly, so a waterfall visibly finds more than either.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from clay_tui.domains import domain_of

HIT_RATES = {"hunter": 65, "prospeo": 55, "mobile": 40, "enrich": 60}  # percent
CATCH_ALL_RATE = 15  # percent of domains that accept every address
WEBMAIL = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com"}
PATTERNS = (
    "{first}.{last}",
    "{first}{last}",
    "{f}{last}",
    "{first}",
    "{first}_{last}",
    "{f}.{last}",
    "{first}{l}",
    "{last}.{first}",
)
TITLES = (
    "Head of Sales",
    "VP Marketing",
    "Software Engineer",
    "Account Executive",
    "Chief Executive Officer",
    "Operations Manager",
    "Growth Lead",
    "Data Analyst",
    "Product Manager",
    "Customer Success Manager",
    "CTO",
    "Founder",
)
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Retail",
    "Healthcare",
    "Manufacturing",
    "Marketing and Advertising",
    "Logistics",
    "Education",
)
US_AREAS = (415, 212, 646, 312, 617, 206, 512, 303, 305, 404, 213, 718)


def h(*parts: object) -> int:
    """A stable 64-bit hash of the parts (never Python's salted hash())."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def pct(*parts: object) -> int:
    """A stable bucket 0..99."""
    return h(*parts) % 100


def name_token(value: str | None) -> str:
    """Lowercase ASCII letters only: 'José-María' -> 'josemaria'."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", text.lower())


def split_full_name(full: str | None) -> tuple[str, str]:
    words = [w for w in re.split(r"\s+", (full or "").strip()) if w]
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return words[0], words[-1]


def company_domain(company: str | None) -> str | None:
    """A domain from a domain/URL/email, else from a company name ('Acme Inc' -> acme.com)."""
    if not company or not str(company).strip():
        return None
    domain = domain_of(company)
    if domain:
        return domain
    words = [name_token(w) for w in str(company).split()]
    words = [w for w in words if w and w not in {"inc", "llc", "ltd", "gmbh", "corp", "co", "sa"}]
    slug = "".join(words)
    return f"{slug}.com" if slug else None


@dataclass(frozen=True)
class Person:
    first: str  # as given (display)
    last: str
    domain: str

    @property
    def key(self) -> str:
        return f"{name_token(self.first)}|{name_token(self.last)}|{self.domain}"

    @property
    def valid(self) -> bool:
        return bool(name_token(self.first)) and bool(self.domain)


def person(
    first: str | None, last: str | None, full: str | None, domain_or_company: str | None
) -> Person:
    if not (first and first.strip()) and full:
        first, last = split_full_name(full)
    return Person(
        (first or "").strip(), (last or "").strip(), company_domain(domain_or_company) or ""
    )


def is_catch_all(domain: str) -> bool:
    return pct("catch-all", domain.lower()) < CATCH_ALL_RATE


def email_for(p: Person) -> str:
    """The person's address: the domain's own pattern (companies use one pattern)."""
    first, last = name_token(p.first), name_token(p.last)
    pattern = PATTERNS[h("pattern", p.domain) % len(PATTERNS)]
    if not last and ("{last}" in pattern or "{l}" in pattern):
        pattern = "{first}"
    local = pattern.format(first=first, last=last, f=first[:1], l=last[:1])
    return f"{local}@{p.domain}"


def provider_hit(provider: str, p: Person) -> bool:
    return pct("hit", provider, p.key) < HIT_RATES[provider]


def linkedin_for(p: Person) -> str:
    slug = "-".join(t for t in (name_token(p.first), name_token(p.last)) if t)
    return f"https://www.linkedin.com/in/{slug}-{h('li', p.key) % 0xFFFF:04x}"


def title_for(key: str) -> str:
    return TITLES[h("title", key) % len(TITLES)]


def score_for(p: Person) -> int:
    base = 55 if is_catch_all(p.domain) else 80
    return base + h("score", p.key) % 20


# ------------------------------------------------------------------ verifier

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    status: str  # valid | invalid | accept_all | webmail | disposable | unknown
    result: str  # deliverable | undeliverable | risky
    score: int
    http_status: int = 200  # 202 (still verifying, first ask only) or 222 (failed)


def verify(email: str) -> Verdict:
    email = (email or "").strip().lower()
    if not _EMAIL_RE.match(email):
        return Verdict("invalid", "undeliverable", 0)
    domain = email.rsplit("@", 1)[1]
    if domain in WEBMAIL:
        return Verdict("webmail", "deliverable", 70 + h("v", email) % 20)
    if domain.startswith(("mailinator.", "tempmail.")):
        return Verdict("disposable", "undeliverable", 10)
    if is_catch_all(domain):
        return Verdict("accept_all", "risky", 50 + h("v", email) % 30)
    bucket = pct("verify", email)
    if bucket < 80:
        return Verdict("valid", "deliverable", 85 + h("v", email) % 15)
    if bucket < 90:
        return Verdict("invalid", "undeliverable", 5 + h("v", email) % 20)
    if bucket < 95:
        return Verdict("unknown", "risky", 40 + h("v", email) % 20)
    if bucket < 97:
        return Verdict("unknown", "risky", 0, http_status=222)
    if bucket < 98:
        return Verdict("valid", "deliverable", 90, http_status=202)  # 202 on the first ask
    return Verdict("valid", "deliverable", 85 + h("v", email) % 15)


# ------------------------------------------------------------------ phones


def _valid(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def phone_for(key: str) -> phonenumbers.PhoneNumber:
    """A valid number, mostly mobile: US (70 %), UK mobile (15 %), DE mobile (10 %),
    UK landline (5 %, so a 'mobile only' check has something to reject)."""
    kind = pct("phone-kind", key)
    for attempt in range(50):
        x = h("phone", key, attempt)
        if kind < 70:
            area = US_AREAS[x % len(US_AREAS)]
            candidate = f"+1{area}{200 + (x >> 8) % 800:03d}{(x >> 20) % 10000:04d}"
        elif kind < 85:
            candidate = f"+447{400 + x % 600:03d}{(x >> 12) % 1000000:06d}"
        elif kind < 95:
            candidate = f"+4915{1 + x % 9}{(x >> 8) % 10000000:07d}"
        else:
            candidate = f"+4420{7000 + x % 3000:04d}{(x >> 12) % 10000:04d}"
        parsed = _valid(candidate)
        if parsed is not None:
            return parsed
    return phonenumbers.parse("+14155550132", None)


def phone_fields(key: str) -> dict[str, str]:
    number = phone_for(key)
    fmt = phonenumbers.PhoneNumberFormat
    return {
        "raw_format": phonenumbers.format_number(number, fmt.E164),
        "international_format": phonenumbers.format_number(number, fmt.INTERNATIONAL),
        "national_format": phonenumbers.format_number(number, fmt.NATIONAL),
        "country_code": phonenumbers.region_code_for_number(number) or "US",
    }


def linkedin_key(url: str) -> str:
    """Normalize a LinkedIn profile URL to its slug."""
    text = (url or "").strip().lower().rstrip("/")
    match = re.search(r"linkedin\.com/in/([^/?#]+)", text)
    return match.group(1) if match else ""


# ------------------------------------------------------------------ chat


def chat_answer(prompt: str, model: str) -> str:
    """A short deterministic answer derived from the prompt."""
    text = " ".join(prompt.split())
    words = re.findall(r"[A-Za-z][A-Za-z'\-]+", text)
    lowered = text.lower()
    x = h("chat", model, text)
    if re.search(r"\byes or no\b|\byes/no\b", lowered):
        return ("Yes", "No")[x % 2]
    if "score" in lowered or "rate" in lowered:
        return str(1 + x % 10)
    if "industry" in lowered:
        return INDUSTRIES[x % len(INDUSTRIES)]
    keywords = sorted({w for w in words if len(w) > 3}, key=lambda w: (-len(w), w))[:3]
    tone = ("Likely a good fit", "Worth a follow-up", "Not a priority", "Strong match")[x % 4]
    return f"{tone}: {', '.join(keywords) or 'no details'}."
