"""The sandbox model's drafts of Polars SQL conditions and formulas from a description.

A sandbox stand-in, not a language model: a few rules keyed on the words and on the columns
the request lists (their names, types and example values) write the kind of expression a
model would, deterministically. It answers a chat completion whose ``response_format`` is
the json_schema ``draft_condition`` or ``draft_formula`` (``expression`` and
``explanation``); the column list comes from a system line ``Columns (JSON): [...]``. Words
it cannot place are named in the explanation, and nothing it can place gives an empty
expression (the client says so in one sentence).
"""

from __future__ import annotations

import json
import re
from typing import Any

DRAFTS = ("draft_condition", "draft_formula")
COUNTRIES = {
    "US": ("united states", "usa", "u.s.", "american", "america"),
    "GB": ("united kingdom", "uk", "british", "britain", "england"),
    "FR": ("france", "french"),
    "DE": ("germany", "german"),
    "CA": ("canada", "canadian"),
    "ES": ("spain", "spanish"),
    "NL": ("netherlands", "dutch"),
    "AU": ("australia", "australian"),
}
ROLES = (
    "ceo", "cto", "cfo", "coo", "cmo", "founder", "owner", "vp", "vice president", "director",
    "head", "manager", "engineer", "developer", "marketing", "sales", "product", "operations",
)  # fmt: skip
NUMBER = r"(\d[\d,]*)"
STOP = set(
    "a an the and or of in on at to for with without from who that which are is be has have no"
    " not yet any all rows row leads lead people person companies company based only just"
    " their there them they between than more less over under above below least most some"
    " missing empty still is isn't want where whose like please each every me my our we"
    " employees employee staff headcount".split()
)


def answer(name: str, system: str, prompt: str) -> str | None:
    """The JSON content for a draft request, or None when this is not one."""
    if name not in DRAFTS:
        return None
    columns = _columns(system)
    if name == "draft_condition":
        expression, notes = condition(prompt, columns)
    else:
        expression, notes = formula(prompt, columns)
    return json.dumps({"expression": expression, "explanation": "; ".join(notes)})


def _columns(system: str) -> list[dict[str, Any]]:
    for line in system.splitlines():
        if line.startswith("Columns (JSON): "):
            try:
                cols = json.loads(line[len("Columns (JSON): ") :])
            except ValueError:
                return []
            return [c for c in cols if isinstance(c, dict) and isinstance(c.get("name"), str)]
    return []


def ident(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _find(columns: list[dict[str, Any]], *hints: str, kind: str | None = None) -> str | None:
    """The column whose name is a hint (else contains one), of ``kind`` if given."""
    pool = [c for c in columns if kind is None or c.get("type") == kind]
    for exact in (True, False):
        for hint in hints:
            for c in pool:
                low = c["name"].lower().replace(" ", "_")
                if low == hint if exact else hint in low:
                    return str(c["name"])
    return None


def _has(text: str, phrase: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(phrase) + r"(?![\w])", text) is not None


def condition(words: str, columns: list[dict[str, Any]]) -> tuple[str, list[str]]:
    low = " ".join(words.lower().split())
    parts: list[str] = []
    notes: list[str] = []
    used: set[str] = set()

    country = _find(columns, "country", "country_code", "location")
    if country:
        examples = [str(e) for e in _examples(columns, country)]
        codes = [
            code
            for code, names in COUNTRIES.items()
            if re.search(rf"\b{code}\b", words) or any(_has(low, n) for n in names)
        ]
        codes += [e for e in examples if len(e) > 2 and _has(low, e.lower()) and e not in codes]
        if codes:
            parts.append(
                f"{ident(country)} = {_quote(codes[0])}"
                if len(codes) == 1
                else f"{ident(country)} IN ({', '.join(_quote(c) for c in codes)})"
            )
            notes.append(f"{country} is {' or '.join(codes)}")
            used |= {c.lower() for c in codes} | {
                n for c in codes for n in COUNTRIES.get(c, ()) if " " not in n
            }

    size = _find(columns, "employees", "employee_count", "headcount", "size", kind="int")
    size = size or _find(columns, "employees", "headcount", kind="float")
    if size and re.search(r"employee|staff|headcount|people|size", low):
        bound = _range(low)
        if bound:
            parts.append(f"{ident(size)} {bound}")
            notes.append(f"{size} {bound}")

    claimed: set[str] = set()  # a phrase names one column: its own name first, then aliases
    for own in (True, False):
        for col in columns:
            name = str(col["name"])
            aliases = _aliases(name)[:1] if own else _aliases(name)[1:]
            for alias in (a for a in aliases if a not in claimed):
                if re.search(
                    rf"\b(no|without( an?)?|missing|lacking)( \w+)? {re.escape(alias)}s?\b", low
                ):
                    parts.append(f"{ident(name)} IS NULL")
                    notes.append(f"no {name}")
                elif re.search(
                    rf"\b(with|has|have|having)( an?| a valid)? {re.escape(alias)}s?\b", low
                ):
                    parts.append(f"{ident(name)} IS NOT NULL")
                    notes.append(f"has a {name}")
                else:
                    continue
                claimed.add(alias)
                used.update(alias.split())
                break
            if own and col.get("type") == "bool" and _has(low, aliases[0]):
                negated = any(_has(low, p + aliases[0]) for p in ("not ", "un", "non-"))
                parts.append(f"{ident(name)} = {'false' if negated else 'true'}")
                notes.append(f"{name} is {'false' if negated else 'true'}")
                used.update(aliases[0].split() + ["un" + aliases[0]])

    title = _find(columns, "title", "job_title", "role", "position")
    roles = [r for r in ROLES if _has(low, r) or _has(low, r + "s")]
    if title and roles:
        likes = [f"{ident(title)} ILIKE {_quote('%' + r + '%')}" for r in roles]
        parts.append(likes[0] if len(likes) == 1 else "(" + " OR ".join(likes) + ")")
        notes.append(f"{title} mentions {' or '.join(roles)}")
        used |= {w for r in roles for w in (r, r + "s")}

    for col in columns:  # a value a text column is known to hold, named in the words
        name = str(col["name"])
        if col.get("type") != "text" or name == country:
            continue
        hits = [str(e) for e in _examples(columns, name) if len(str(e)) > 2]
        hits = [e for e in hits if _has(low, e.lower())]
        if hits:
            quoted = ", ".join(_quote(h) for h in hits)
            parts.append(
                f"{ident(name)} = {_quote(hits[0])}"
                if len(hits) == 1
                else f"{ident(name)} IN ({quoted})"
            )
            notes.append(f"{name} is {' or '.join(hits)}")
            used |= {w for h in hits for w in h.lower().split()}

    left = [
        w
        for w in re.findall(r"[a-z][a-z\-]+", low)
        if w not in STOP and w not in used and not any(w in _aliases(c["name"]) for c in columns)
    ]
    if left:
        notes.append("no column for: " + ", ".join(dict.fromkeys(left)))
    return " AND ".join(parts), notes


def _aliases(name: str) -> list[str]:
    """The column's own name, then what else the words may call it (by what it holds)."""
    low = name.lower().replace("_", " ")
    out = [low]
    if low.endswith("email") or low.endswith("email address"):
        out += ["email", "e-mail", "email address"]
    if re.search(r"(phone|mobile|number)$", low):
        out += ["phone", "phone number", "mobile", "mobile number"]
    if "linkedin" in low and not re.search(r"status|provider", low):
        out += ["linkedin", "linkedin profile"]
    if re.search(r"(domain|website)$", low):
        out += ["domain", "website"]
    return list(dict.fromkeys(out))


def _examples(columns: list[dict[str, Any]], name: str) -> list[Any]:
    for c in columns:
        if c["name"] == name and isinstance(c.get("examples"), list):
            return list(c["examples"])
    return []


def _range(low: str) -> str | None:
    def n(text: str) -> int:
        return int(text.replace(",", ""))

    m = re.search(rf"(?:between )?{NUMBER}\s*(?:to|-|–|and)\s*{NUMBER}", low)
    if m:
        return f"BETWEEN {n(m.group(1))} AND {n(m.group(2))}"
    m = re.search(rf"(more than|over|above|at least|>=|>)\s*{NUMBER}", low)
    if m:
        op = ">=" if m.group(1) in ("at least", ">=") else ">"
        return f"{op} {n(m.group(2))}"
    m = re.search(rf"(fewer than|less than|under|below|at most|up to|<=|<)\s*{NUMBER}", low)
    if m:
        op = "<=" if m.group(1) in ("at most", "up to", "<=") else "<"
        return f"{op} {n(m.group(2))}"
    m = re.search(rf"{NUMBER}\s*\+", low)
    if m:
        return f">= {n(m.group(1))}"
    return None


def formula(words: str, columns: list[dict[str, Any]]) -> tuple[str, list[str]]:
    low = " ".join(words.lower().split())
    first = _find(columns, "first_name", "firstname", "first")
    last = _find(columns, "last_name", "lastname", "last", "surname")
    email = _find(columns, "email", "work_email")
    size = _find(columns, "employees", "headcount", "size", kind="int")
    if "initial" in low and first and last:
        return (
            f"concat(upper(left({ident(first)}, 1)), upper(left({ident(last)}, 1)))",
            ["the first letters of the first and last name"],
        )
    if "full name" in low and first and last:
        return f"concat_ws(' ', {ident(first)}, {ident(last)})", [f"{first} and {last}"]
    if "domain" in low and email and "email" in low:
        return f"split_part({ident(email)}, '@', 2)", [f"what follows the @ in {email}"]
    if size and re.search(r"band|bucket|tier|segment|size", low):
        return (
            f"CASE WHEN {ident(size)} < 50 THEN 'small' WHEN {ident(size)} <= 500 "
            f"THEN 'mid-market' ELSE 'enterprise' END",
            [f"{size}: under 50 small, up to 500 mid-market, else enterprise"],
        )
    named = [c["name"] for c in columns if any(_has(low, a) for a in _aliases(str(c["name"])))]
    if named:
        col = ident(str(named[0]))
        if re.search(r"lower ?case|lower", low):
            return f"lower({col})", [f"{named[0]} in lower case"]
        if re.search(r"upper ?case|capital", low):
            return f"upper({col})", [f"{named[0]} in capitals"]
        return col, [f"{named[0]} as it is"]
    return "", ["no column matches those words"]
