"""AI columns for the front ends: the structured-answer fields as a form writes them."""

from __future__ import annotations

from clay_tui.enrich.ai_schema import fields_from_text, fields_to_text


def parse_fields(text: str) -> dict[str, str]:
    """``qualified: bool, reason: text`` -> {"qualified": "bool", "reason": "text"}; one
    sentence (ColumnSpecError) for a malformed field."""
    return fields_from_text(text)


def fields_text(fields: dict[str, str]) -> str:
    return fields_to_text(fields)
