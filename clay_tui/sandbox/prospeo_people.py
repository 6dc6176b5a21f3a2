"""The sandbox's people database for Prospeo's Search Person: 4,084,080 fictional people.

Nothing is stored or generated up front. A person is a point of a mixed-radix grid:

    person i  <->  (role slot, size slot, industry slot, country slot)

where every dimension is a list of *slots*, a value repeated by its weight (the United
States has 8 of the 20 country slots, Software Development 3 of 17 industry slots, ...), and a
role slot is (seniority slot, department slot, title variant). A search keeps, per dimension,
the slots its filters accept, so the number of matches is a product of list lengths and the
k-th match is k written in that mixed radix: counting and paging cost nothing however large
the population, and the same search always pages through the same people in the same order.
Names, cities and ids come from a hash of i; a person's company is a pick among the companies
of its (country, industry, size) slot, whose domain encodes the company's number, so a search
by company website finds that company's people.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

# (name, ISO code, weight, domain suffix, cities)
COUNTRIES: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    ("United States", "US", 8, "com", ("New York", "San Francisco", "Austin", "Chicago",
                                       "Boston", "Seattle", "Denver", "Atlanta")),
    ("United Kingdom", "GB", 2, "co.uk", ("London", "Manchester", "Edinburgh", "Bristol")),
    ("Germany", "DE", 2, "de", ("Berlin", "Munich", "Hamburg", "Frankfurt")),
    ("India", "IN", 2, "in", ("Bengaluru", "Mumbai", "Pune", "Hyderabad")),
    ("France", "FR", 1, "fr", ("Paris", "Lyon", "Toulouse")),
    ("Canada", "CA", 1, "ca", ("Toronto", "Vancouver", "Montreal")),
    ("Australia", "AU", 1, "com.au", ("Sydney", "Melbourne", "Brisbane")),
    ("Netherlands", "NL", 1, "nl", ("Amsterdam", "Rotterdam", "Utrecht")),
    ("Brazil", "BR", 1, "com.br", ("São Paulo", "Rio de Janeiro", "Belo Horizonte")),
    ("Spain", "ES", 1, "es", ("Madrid", "Barcelona", "Valencia")),
)  # fmt: skip
INDUSTRIES: tuple[tuple[str, int], ...] = (
    ("Software Development", 3),
    ("IT Services and IT Consulting", 2),
    ("Financial Services", 1),
    ("Hospitals and Health Care", 1),
    ("Retail", 1),
    ("Manufacturing", 1),
    ("Advertising Services", 1),
    ("Higher Education", 1),
    ("Real Estate", 1),
    ("Construction", 1),
    ("Staffing and Recruiting", 1),
    ("Insurance", 1),
    ("Biotechnology Research", 1),
    ("Business Consulting and Services", 1),
)
# Prospeo's employee ranges (its company_headcount_range enum), one slot each; people per
# company grows with the range.
SIZES: tuple[tuple[str, int, int, int], ...] = (  # (range, min, max, people per company)
    ("1-10", 1, 10, 3),
    ("11-20", 11, 20, 6),
    ("21-50", 21, 50, 12),
    ("51-100", 51, 100, 25),
    ("101-200", 101, 200, 40),
    ("201-500", 201, 500, 60),
    ("501-1000", 501, 1000, 90),
    ("1001-2000", 1001, 2000, 120),
    ("2001-5000", 2001, 5000, 180),
    ("5001-10000", 5001, 10000, 250),
    ("10000+", 10001, 250000, 400),
)
SENIORITIES: tuple[tuple[str, int], ...] = (
    ("Founder/Owner", 1),
    ("C-Suite", 1),
    ("Partner", 1),
    ("Vice President", 1),
    ("Head", 1),
    ("Director", 1),
    ("Manager", 2),
    ("Senior", 2),
    ("Entry", 2),
    ("Intern", 1),
)
# department -> (noun in titles, the chief's title, its short form, an individual contributor)
DEPARTMENTS: tuple[tuple[str, int, str, str, str, str], ...] = (
    ("Sales", 2, "Sales", "Chief Revenue Officer", "CRO", "Account Executive"),
    ("Engineering & Technical", 2, "Engineering", "Chief Technology Officer", "CTO",
     "Software Engineer"),
    ("Marketing", 1, "Marketing", "Chief Marketing Officer", "CMO", "Marketing Specialist"),
    ("Finance", 1, "Finance", "Chief Financial Officer", "CFO", "Financial Analyst"),
    ("Human Resources", 1, "People", "Chief People Officer", "CPO", "HR Business Partner"),
    ("Operations", 1, "Operations", "Chief Operating Officer", "COO", "Operations Analyst"),
    ("Information Technology", 1, "IT", "Chief Information Officer", "CIO",
     "Systems Administrator"),
    ("Customer Service", 1, "Customer Success", "Chief Customer Officer", "CCO",
     "Customer Success Manager"),
    ("Product", 1, "Product", "Chief Product Officer", "CPO", "Product Manager"),
    ("Legal", 1, "Legal", "General Counsel", "GC", "Corporate Counsel"),
    ("Design", 1, "Design", "Chief Design Officer", "CDO", "Product Designer"),
    ("Consulting", 1, "Consulting", "Chief Executive Officer", "CEO", "Consultant"),
)  # fmt: skip
VARIANTS = 6  # title variants per (seniority, department)
TITLES: dict[str, tuple[str, ...]] = {
    "Founder/Owner": ("Founder", "Co-Founder", "Founder & CEO", "Owner",
                      "Co-Founder & Head of {d}", "Managing Owner"),
    "C-Suite": ("{chief}", "{abbr}", "{chief}", "{abbr}", "Chief Executive Officer", "CEO"),
    "Partner": ("Partner", "Managing Partner", "{d} Partner", "Senior Partner",
                "Partner, {d}", "Equity Partner"),
    "Vice President": ("VP of {d}", "Vice President of {d}", "VP of {d}, North America",
                       "Regional VP of {d}", "SVP of {d}", "VP of {d} & Strategy"),
    "Head": ("Head of {d}", "Global Head of {d}", "Head of {d} Operations", "Head of {d}",
             "Head of International {d}", "Interim Head of {d}"),
    "Director": ("Director of {d}", "{d} Director", "Senior Director of {d}", "Director, {d}",
                 "Associate Director of {d}", "Regional {d} Director"),
    "Manager": ("{d} Manager", "Senior {d} Manager", "{d} Team Lead", "{d} Operations Manager",
                "Regional {d} Manager", "{d} Program Manager"),
    "Senior": ("Senior {ic}", "Senior {ic}", "Lead {ic}", "Principal {ic}", "Senior {ic}",
               "Staff {ic}"),
    "Entry": ("{ic}", "{ic}", "Junior {ic}", "Associate {ic}", "{ic}", "{ic} I"),
    "Intern": ("{d} Intern", "{ic} Intern", "Intern, {d}", "{d} Intern", "Summer {d} Intern",
               "{d} Working Student"),
}  # fmt: skip
FIRST = (
    "James", "Mary", "Wei", "Priya", "Lucas", "Sofia", "Noah", "Emma", "Arjun", "Mia",
    "Mateo", "Olivia", "Hannah", "Liam", "Chloe", "Ethan", "Ana", "Jonas", "Léa", "Ravi",
    "Grace", "Daniel", "Aisha", "Oliver", "Yuki", "Carlos", "Elena", "Samuel", "Nina",
    "Felix", "Zara", "Henry", "Isabel", "Tomás", "Amelia", "Kofi", "Ines", "Max", "Leah", "Omar",
)  # fmt: skip
LAST = (
    "Smith", "Johnson", "Chen", "Patel", "Garcia", "Müller", "Martin", "Brown", "Singh",
    "Rossi", "Silva", "Dubois", "Kim", "Nguyen", "Schmidt", "Williams", "Kumar", "Lopez",
    "Jones", "Taylor", "Fischer", "Anderson", "Costa", "Moreau", "Wilson", "Sato", "Novak",
    "Jansen", "Haddad", "Clarke", "Okafor", "Bernard", "Weber", "Young", "Reyes", "Walker",
    "Lindqvist", "Fernandes", "Murphy", "Ali",
)  # fmt: skip
COMPANY_WORDS = ("Labs", "Systems", "Group", "Software", "Partners", "Analytics", "Health",
                 "Networks", "Works", "Solutions", "Cloud", "Capital")  # fmt: skip
SYLLABLES = tuple(c + v for c in "bdfgklmnprstvzhj" for v in "aeiou")  # 80 syllables
NAME_SPACE = len(SYLLABLES) ** 4  # company names: 4 syllables
NAME_MUL, NAME_ADD = 2_654_435_761, 977_323  # a bijection of [0, NAME_SPACE)
ID_SPACE = 2**32
ID_MUL, ID_ADD = 2_246_822_519, 3_266_489_917  # a bijection of [0, 2**32): person ids


def _slots(weights: tuple[tuple[Any, ...], ...], weight_at: int = 1) -> tuple[int, ...]:
    """Value index per slot: each value repeated by its weight."""
    return tuple(i for i, row in enumerate(weights) for _ in range(row[weight_at]))


COUNTRY_SLOTS = _slots(COUNTRIES, 2)
INDUSTRY_SLOTS = _slots(INDUSTRIES)
SIZE_SLOTS = tuple(range(len(SIZES)))
SENIORITY_SLOTS = _slots(SENIORITIES)
DEPARTMENT_SLOTS = _slots(DEPARTMENTS)
ROLES = len(SENIORITY_SLOTS) * len(DEPARTMENT_SLOTS) * VARIANTS
POPULATION = ROLES * len(SIZE_SLOTS) * len(INDUSTRY_SLOTS) * len(COUNTRY_SLOTS)
COMPANIES_PER_TUPLE = max(ROLES // row[3] for row in SIZES)


def h(*parts: object) -> int:
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def norm_title(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def role_parts(role: int) -> tuple[int, int, int]:
    """(seniority index, department index, variant) of a role slot."""
    rest, variant = divmod(role, VARIANTS)
    sen_slot, dep_slot = divmod(rest, len(DEPARTMENT_SLOTS))
    return SENIORITY_SLOTS[sen_slot], DEPARTMENT_SLOTS[dep_slot], variant


def title_of(role: int) -> str:
    sen, dep, variant = role_parts(role)
    _, _, noun, chief, abbr, ic = DEPARTMENTS[dep]
    return TITLES[SENIORITIES[sen][0]][variant].format(d=noun, chief=chief, abbr=abbr, ic=ic)


def companies_in(size: int) -> int:
    return max(1, ROLES // SIZES[size][3])


def company_number(cs: int, ind: int, ss: int, k: int) -> int:
    return ((cs * len(INDUSTRY_SLOTS) + ind) * len(SIZE_SLOTS) + ss) * COMPANIES_PER_TUPLE + k


def company_label(g: int) -> str:
    n = (g * NAME_MUL + NAME_ADD) % NAME_SPACE
    out = []
    for _ in range(4):
        n, s = divmod(n, len(SYLLABLES))
        out.append(SYLLABLES[s])
    return "".join(out)


_NAME_INV = pow(NAME_MUL, -1, NAME_SPACE)


def company_of_domain(domain: str) -> tuple[int, int, int, int] | None:
    """(country slot, industry slot, size slot, company k) of a sandbox domain, or None."""
    text = re.sub(r"^[a-z]+://", "", domain.strip().lower()).split("/")[0]
    text = text.removeprefix("www.")
    label, _, suffix = text.partition(".")
    if len(label) != 8:
        return None
    n = 0
    for i in range(3, -1, -1):
        syl = label[2 * i : 2 * i + 2]
        if syl not in SYLLABLES:
            return None
        n = n * len(SYLLABLES) + SYLLABLES.index(syl)
    g = ((n - NAME_ADD) * _NAME_INV) % NAME_SPACE
    rest, k = divmod(g, COMPANIES_PER_TUPLE)
    rest, ss = divmod(rest, len(SIZE_SLOTS))
    cs, ind = divmod(rest, len(INDUSTRY_SLOTS))
    if cs >= len(COUNTRY_SLOTS) or k >= companies_in(ss):
        return None
    if suffix != COUNTRIES[COUNTRY_SLOTS[cs]][3]:
        return None
    return cs, ind, ss, k


def person_index(role: int, ss: int, ind: int, cs: int) -> int:
    return ((role * len(SIZE_SLOTS) + ss) * len(INDUSTRY_SLOTS) + ind) * len(COUNTRY_SLOTS) + cs


def person_parts(i: int) -> tuple[int, int, int, int]:
    rest, cs = divmod(i, len(COUNTRY_SLOTS))
    rest, ind = divmod(rest, len(INDUSTRY_SLOTS))
    role, ss = divmod(rest, len(SIZE_SLOTS))
    return role, ss, ind, cs


@dataclass(frozen=True)
class Box:
    """People whose every dimension is in these slot lists (a product), optionally only
    those of one company (role slots ``r`` with ``r % n == k``, already applied)."""

    roles: tuple[int, ...]
    sizes: tuple[int, ...]
    industries: tuple[int, ...]
    countries: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.roles) * len(self.sizes) * len(self.industries) * len(self.countries)

    def person(self, q: int) -> int:
        """The global index of the box's ``q``-th person (countries vary fastest)."""
        q, c = divmod(q, len(self.countries))
        q, n = divmod(q, len(self.industries))
        r, s = divmod(q, len(self.sizes))
        return person_index(self.roles[r], self.sizes[s], self.industries[n], self.countries[c])


def nth(boxes: list[Box], q: int) -> int | None:
    for box in boxes:
        if q < box.count:
            return box.person(q)
        q -= box.count
    return None


def record(i: int) -> dict[str, Any]:
    """Person ``i`` as Prospeo's search returns it: ``{"person": ..., "company": ...}``."""
    role, ss, ind, cs = person_parts(i)
    sen, dep, _ = role_parts(role)
    country, code, _, suffix, cities = COUNTRIES[COUNTRY_SLOTS[cs]]
    industry = INDUSTRIES[INDUSTRY_SLOTS[ind]][0]
    size, low, high, _ = SIZES[ss]
    k = role % companies_in(ss)
    g = company_number(cs, ind, ss, k)
    label = company_label(g)
    company = f"{label.capitalize()} {COMPANY_WORDS[h('word', g) % len(COMPANY_WORDS)]}"
    domain = f"{label}.{suffix}"
    pid = (i * ID_MUL + ID_ADD) % ID_SPACE
    first, last = FIRST[h("first", i) % len(FIRST)], LAST[h("last", i) % len(LAST)]
    slug = re.sub(r"[^a-z]+", "", first.lower().encode("ascii", "ignore").decode())
    slug += "-" + re.sub(r"[^a-z]+", "", last.lower().encode("ascii", "ignore").decode())
    city = cities[h("city", i) % len(cities)]
    title = title_of(role)
    months = 1 + h("months", i) % 96
    hq = cities[h("hq", g) % len(cities)]
    return {
        "person": {
            "person_id": f"{pid:08x}{h('pid', i) % 16**16:016x}",
            "first_name": first,
            "last_name": last,
            "full_name": f"{first} {last}",
            "linkedin_url": f"https://www.linkedin.com/in/{slug}-{pid:08x}",
            "current_job_title": title,
            "headline": f"{title} at {company}",
            "job_history": [
                {
                    "title": title,
                    "company_name": company,
                    "current": True,
                    "duration_in_months": months,
                    "departments": [DEPARTMENTS[dep][0]],
                    "seniority": SENIORITIES[sen][0],
                }
            ],
            "location": {"city": city, "state": None, "country": country, "country_code": code},
            "skills": [],
        },
        "company": {
            "company_id": f"{g:012x}",
            "name": company,
            "website": f"https://{domain}",
            "domain": domain,
            "industry": industry,
            "employee_count": low + h("employees", g) % (high - low + 1),
            "employee_range": size,
            "location": {"city": hq, "country": country, "country_code": code},
            "linkedin_url": f"https://www.linkedin.com/company/{label}",
        },
    }
