"""Structured AI answers: an AI column's ``params.fields`` as a JSON schema, and the check
that an answer follows it.

An AI prompt column may declare ``fields = {qualified = "bool", reason = "text",
segment = "SMB|Mid-market|Enterprise"}``: the model is asked (``response_format``
json_schema, strict) for an object with exactly those fields, and each field lands in its own
typed output column (named after the field unless ``outputs`` says otherwise), so another
column's condition can read ``qualified = true``. The column itself keeps the raw JSON
(output ``text``). An answer that is not JSON of that shape is invalid (refunded).
Types: text, bool, int, float, or ``A|B|C`` (one of these texts).
"""

from __future__ import annotations

import json
import re
from typing import Any

from clay_tui.errors import ColumnSpecError

TYPES = {"text": "string", "bool": "boolean", "int": "integer", "float": "number"}
RAW = "text"  # the output that keeps the model's whole answer
MAX_FIELDS = 20
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def fields_of(params: dict[str, Any] | None) -> dict[str, str]:
    """The declared fields (field -> type as written), {} for a plain-text AI column."""
    raw = (params or {}).get("fields")
    return dict(raw) if isinstance(raw, dict) else {}


def label_of(kind: str) -> str:
    """The column type label a field's type lands in (an enum is text)."""
    return kind if kind in TYPES else "text"


def enum_of(kind: str) -> list[str] | None:
    if "|" not in kind:
        return None
    return [v.strip() for v in kind.split("|") if v.strip()]


def check(params: dict[str, Any]) -> None:
    """``params.fields`` is well formed, or one sentence saying what is not."""
    raw = params.get("fields")
    if raw is None:
        return
    if not isinstance(raw, dict) or not raw:
        raise ColumnSpecError(
            'params.fields must be a table of field = type, e.g. {qualified = "bool", '
            'reason = "text"}.'
        )
    if len(raw) > MAX_FIELDS:
        raise ColumnSpecError(f"params.fields has {len(raw)} fields; at most {MAX_FIELDS}.")
    for name, kind in raw.items():
        if not _NAME.match(str(name)) or name == RAW:
            raise ColumnSpecError(
                f"Field name {str(name)[:40]!r} is not usable: letters, digits and _ "
                f"(not starting with a digit, not {RAW!r})."
            )
        if not isinstance(kind, str) or not (kind in TYPES or enum_of(kind)):
            raise ColumnSpecError(
                f"Field {name} has type {kind!r}: use text, bool, int, float or A|B|C."
            )


def output_types(fields: dict[str, str]) -> dict[str, str]:
    """Output field -> column type label: the raw answer first, then each field."""
    return {RAW: "text", **{name: label_of(kind) for name, kind in fields.items()}}


def response_format(fields: dict[str, str], name: str = "answer") -> dict[str, Any]:
    """OpenAI's strict json_schema ``response_format`` for the fields."""
    props: dict[str, Any] = {}
    for field, kind in fields.items():
        values = enum_of(kind)
        props[field] = {"type": "string", "enum": values} if values else {"type": TYPES[kind]}
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer"
    return {
        "type": "json_schema",
        "json_schema": {
            "name": safe,
            "strict": True,
            "schema": {
                "type": "object",
                "properties": props,
                "required": list(fields),
                "additionalProperties": False,
            },
        },
    }


def parse(text: str, fields: dict[str, str]) -> dict[str, Any] | str:
    """The field values of an answer, or one sentence on why it does not follow the schema."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return "The model's answer is not JSON."
    if not isinstance(value, dict):
        return "The model's answer is not a JSON object."
    missing = [f for f in fields if f not in value]
    if missing:
        return f"The model's answer has no {missing[0]!r} field."
    extra = sorted(set(value) - set(fields))
    if extra:
        return f"The model's answer has a field {extra[0][:40]!r} the schema does not allow."
    out: dict[str, Any] = {}
    for field, kind in fields.items():
        v = value[field]
        values = enum_of(kind)
        ok = {
            "text": isinstance(v, str),
            "bool": isinstance(v, bool),
            "int": isinstance(v, int) and not isinstance(v, bool),
            "float": isinstance(v, (int, float)) and not isinstance(v, bool),
        }.get(kind, isinstance(v, str) and v in (values or []))
        if not ok:
            want = f"one of {', '.join(values)}" if values else kind
            return f"The model's answer gives {field} as {json.dumps(v)[:40]}, not {want}."
        out[field] = float(v) if kind == "float" else v
    return out


def fields_from_text(text: str) -> dict[str, str]:
    """``qualified: bool, reason: text, segment: SMB|Mid-market|Enterprise`` (a form field)
    as a fields table; {} for an empty text. Checked like ``params.fields``."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, kind = part.partition(":")
        if not sep or not name.strip() or not kind.strip():
            raise ColumnSpecError(
                f"Write each field as name: type (e.g. qualified: bool), not {part[:40]!r}."
            )
        out[name.strip()] = kind.strip()
    if out:
        check({"fields": out})
    return out


def fields_to_text(fields: dict[str, str]) -> str:
    return ", ".join(f"{name}: {kind}" for name, kind in fields.items())
