"""What an enrichment column is: a ``ColumnSpec``, stored as JSON, shared as TOML.

Every spec is checked against the table and the action registry before it is
stored, so a bad column is one sentence at creation time, never a failed run.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from clay_tui.errors import ColumnSpecError

KINDS = ("enrichment", "waterfall", "formula", "http", "ai", "cleaning", "crm")
TEMPLATE_REF = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


@dataclass
class ColumnSpec:
    name: str
    action: str
    kind: str = ""  # filled from the action when empty
    inputs: dict[str, str] = field(default_factory=dict)  # action input -> column or template
    providers: list[str] = field(default_factory=list)  # waterfall order ([] = action default)
    validation: str | None = None  # "hunter.email_verifier" | "mobile_only" | "none" | None
    accept_catch_all: bool = False
    outputs: dict[str, str] = field(default_factory=dict)  # field -> output column name
    condition: str | None = None  # Polars SQL "only run if"
    required: list[str] = field(default_factory=list)  # columns that must be non-empty
    auto_update: bool = True
    spend_limit: int | None = None  # credits, all runs of this column together
    params: dict[str, Any] = field(default_factory=dict)  # action options (prompt, model, ...)
    id: int | None = None  # set once stored

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON/TOML (no None values: TOML has no null)."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "id"}
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = "the column") -> ColumnSpec:
        if not isinstance(raw, dict):
            raise ColumnSpecError(f"{where} must be a table of settings.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ColumnSpecError(
                f"{where} has an unknown setting {unknown[0]!r} (known: "
                f"{', '.join(sorted(known - {'id'}))})."
            )
        for key in ("name", "action"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise ColumnSpecError(f'{where} needs {key} = "..." (text).')
        checks: dict[str, tuple[type, ...]] = {
            "kind": (str,),
            "inputs": (dict,),
            "providers": (list,),
            "validation": (str, type(None)),
            "accept_catch_all": (bool,),
            "outputs": (dict,),
            "condition": (str, type(None)),
            "required": (list,),
            "auto_update": (bool,),
            "spend_limit": (int, type(None)),
            "params": (dict,),
            "id": (int, type(None)),
        }
        for key, types in checks.items():
            if key in raw and (
                not isinstance(raw[key], types) or isinstance(raw[key], bool) and bool not in types
            ):
                kind = {
                    dict: "a table",
                    list: "a list",
                    bool: "true or false",
                    int: "a whole number",
                    str: "text",
                }[types[0]]
                raise ColumnSpecError(f"{where}: {key} must be {kind}, not {raw[key]!r}.")
        for key in ("inputs", "outputs"):
            for k, v in raw.get(key, {}).items():
                if not isinstance(v, str):
                    raise ColumnSpecError(f"{where}: {key}.{k} must be text, not {v!r}.")
        for key in ("providers", "required"):
            for v in raw.get(key, []):
                if not isinstance(v, str):
                    raise ColumnSpecError(f"{where}: {key} must list text, not {v!r}.")
        spec = cls(**{k: v for k, v in raw.items()})
        spec.name = spec.name.strip()
        return spec


def template_columns(text: str) -> list[str]:
    """Column names referenced as ``{{column}}`` in a template."""
    return [m.group(1) for m in TEMPLATE_REF.finditer(text)]


def is_template(text: str) -> bool:
    return "{{" in text


def render_template(text: str, row: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        value = row.get(match.group(1))
        return "" if value is None else str(value)

    return TEMPLATE_REF.sub(one, text)


def referenced_columns(spec: ColumnSpec) -> list[str]:
    """Every table column this spec reads (inputs, templates in params, required)."""
    cols: list[str] = []
    for source in spec.inputs.values():
        cols.extend(template_columns(source) if is_template(source) else [source])
    for value in strings_in(spec.params):
        cols.extend(template_columns(value))
    cols.extend(spec.required)
    cols.extend(mapped_columns(spec))
    if spec.action == "formula" and spec.params.get("expression"):
        cols.extend(formula_columns(str(spec.params["expression"])))
    seen: dict[str, None] = {}
    for c in cols:
        seen.setdefault(c, None)
    return list(seen)


def mapped_columns(spec: ColumnSpec) -> list[str]:
    """The columns a CRM push sends (its ``properties`` param: CRM property -> column)."""
    mapped = spec.params.get("properties")
    return [str(c) for c in mapped.values()] if isinstance(mapped, dict) else []


def formula_columns(expression: str) -> list[str]:
    """The columns a Polars SQL expression reads ([] if it does not parse)."""
    from clay_tui.table import expressions

    try:  # parse() checks size and depth first: a huge formula must not reach the parser
        return list(expressions.parse(expression).meta.root_names())
    except Exception:  # noqa: BLE001 - a bad expression is reported by validation
        return []


def strings_in(value: Any) -> list[str]:
    """Every string in a nested params value (dict keys too): where templates hide."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings_in(k) + strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []
