"""Check a ColumnSpec against its table and the action registry, one sentence per mistake."""

from __future__ import annotations

import polars as pl

from clay_tui.config import Settings
from clay_tui.enrich import ai_schema
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.graph import check_self
from clay_tui.enrich.spec import (
    KINDS,
    ColumnSpec,
    is_template,
    referenced_columns,
    template_columns,
)
from clay_tui.errors import ColumnSpecError, ExpressionError
from clay_tui.table import expressions
from clay_tui.table.lead_table import ROW_ID, LeadTable

VALIDATIONS = ("hunter.email_verifier", "mobile_only", "none")

MAX_TEMPLATE_CHARS = 100_000  # a prompt, URL or body template
MAX_NAME_CHARS = 200  # a column name


def check_expression(frame: pl.DataFrame, text: str, *, what: str, boolean: bool) -> None:
    """Compile ``text`` against the frame's schema (on an empty slice: cheap)."""
    try:
        expr = expressions.parse(text)
    except ExpressionError as exc:
        raise ColumnSpecError(f"The {what} {exc}") from None
    empty = frame.head(0)
    try:
        out = empty.select(expr.alias("__x"))
    except Exception as exc:  # noqa: BLE001 - polars raises several kinds here
        raise ColumnSpecError(f"The {what} {expressions.explain(text, exc)}") from None
    if boolean and out.dtypes[0] not in (pl.Boolean, pl.Null):
        raise ColumnSpecError(
            f"The {what} {text!r} is not a condition (it should be true or false per row)."
        )


def normalize(
    spec: ColumnSpec,
    table: LeadTable,
    settings: Settings,
    others: list[ColumnSpec] | None = None,
    *,
    new: bool = True,
) -> ColumnSpec:
    """Fill defaults and check everything; returns the spec ready to store."""
    info = ACTIONS.get(spec.action)
    if info is None:
        raise ColumnSpecError(f"Unknown action {spec.action!r} (known: {', '.join(ACTIONS)}).")
    if not spec.name:
        raise ColumnSpecError("The column needs a name.")
    if len(spec.name) > MAX_NAME_CHARS:
        raise ColumnSpecError(
            f"The column name is too long ({len(spec.name):,} characters; "
            f"at most {MAX_NAME_CHARS})."
        )
    spec.kind = spec.kind or info.kind
    if spec.kind not in KINDS:
        raise ColumnSpecError(f"Unknown column kind {spec.kind!r} (known: {', '.join(KINDS)}).")
    if spec.kind != info.kind and not (info.kind == "waterfall" and spec.kind == "enrichment"):
        raise ColumnSpecError(f"Action {spec.action} makes a {info.kind} column, not {spec.kind}.")
    for p in spec.providers:
        if p not in settings.providers and not info.can_use(p):
            known = ", ".join(settings.providers)
            raise ColumnSpecError(f"Unknown provider {p!r} (known: {known}).")
        if not info.can_use(p):
            raise ColumnSpecError(
                f"Action {spec.action} cannot use provider {p} "
                f"(it can use: {', '.join(info.allowed_providers) or 'none'})."
            )
    if len(set(spec.providers)) != len(spec.providers):
        raise ColumnSpecError("A provider is listed twice in the waterfall.")
    spec.providers = spec.providers or list(info.providers)
    if spec.validation is not None and spec.validation not in VALIDATIONS:
        raise ColumnSpecError(
            f"Unknown validation {spec.validation!r} (known: {', '.join(VALIDATIONS)})."
        )
    if spec.spend_limit is not None and spec.spend_limit < 0:
        raise ColumnSpecError("spend_limit must not be negative.")

    known_inputs = {i.name for i in info.inputs}
    for key in spec.inputs:
        if key not in known_inputs:
            raise ColumnSpecError(
                f"Action {spec.action} has no input {key!r} "
                f"(inputs: {', '.join(sorted(known_inputs)) or 'none'})."
            )
    for i in info.inputs:
        if i.required and not spec.inputs.get(i.name):
            raise ColumnSpecError(
                f"Action {spec.action} needs input {i.name} (--input {i.name}=COLUMN)."
            )
    for group in info.needs_any:
        if not any(spec.inputs.get(g) for g in group):
            raise ColumnSpecError(
                f"Action {spec.action} needs one of the inputs {' or '.join(group)}."
            )
    unknown_params = set(spec.params) - set(info.params)
    if unknown_params:
        raise ColumnSpecError(
            f"Action {spec.action} has no setting {sorted(unknown_params)[0]!r}"
            f" (settings: {', '.join(info.params) or 'none'})."
        )
    if info.kind == "ai":
        ai_schema.check(spec.params)
    for key, default in info.params.items():
        if (
            key in spec.params
            and default is not None
            and default != ""
            and not isinstance(spec.params[key], type(default))
        ):
            raise ColumnSpecError(
                f"params.{key} must be {type(default).__name__}, not {spec.params[key]!r}."
            )
    if spec.action == "ai_prompt" and not str(spec.params.get("prompt") or "").strip():
        raise ColumnSpecError("An AI prompt column needs params.prompt (a {{column}} template).")
    if (
        spec.action == "ai_prompt"
        and "max_tokens" in spec.params
        and not (1 <= spec.params["max_tokens"] <= 100_000)
    ):
        raise ColumnSpecError(
            f"params.max_tokens must be between 1 and 100,000, not {spec.params['max_tokens']!r}."
        )
    for key, value in spec.params.items():  # templates and bodies: bounded like expressions
        if isinstance(value, str) and len(value) > MAX_TEMPLATE_CHARS:
            raise ColumnSpecError(
                f"params.{key} is too long ({len(value):,} characters; at "
                f"most {MAX_TEMPLATE_CHARS:,})."
            )
    if spec.action == "http_call" and not str(spec.params.get("url") or "").strip():
        raise ColumnSpecError("An HTTP column needs params.url (a {{column}} template).")
    if spec.action == "http_call":
        from clay_tui.providers.http_action import TemplateError, check_url_template

        try:
            check_url_template(str(spec.params["url"]))
        except TemplateError as exc:
            raise ColumnSpecError(str(exc)) from None
    if spec.action == "formula" and not str(spec.params.get("expression") or "").strip():
        raise ColumnSpecError("A formula column needs params.expression (Polars SQL).")

    types = info.output_types(spec)
    outputs = dict(spec.outputs) or {info.main_output: spec.name}
    if info.kind == "ai":  # each declared field lands in a column named after it by default
        outputs.update({f: f for f in ai_schema.fields_of(spec.params) if f not in outputs})
    for fld in outputs:
        if fld not in types:
            raise ColumnSpecError(
                f"Action {spec.action} has no output {fld!r} (outputs: {', '.join(types)})."
            )
    if spec.name not in outputs.values():
        outputs = {
            info.main_output: spec.name,
            **{k: v for k, v in outputs.items() if k != info.main_output},
        }
    outputs = {fld: col.strip() for fld, col in outputs.items()}
    for col in outputs.values():
        if not col:
            raise ColumnSpecError(f"Column {spec.name}: an output column needs a name.")
        if col == ROW_ID:
            raise ColumnSpecError(
                f"{ROW_ID} is reserved for row ids; name the output of {spec.name} something else."
            )
    if len(set(outputs.values())) != len(outputs):
        raise ColumnSpecError("Two outputs go to the same column.")
    spec.outputs = outputs
    check_self(spec)  # before "not in the table": the column it lacks is its own output

    data_cols = set(table.columns)
    owned = {c for o in (others or []) if o.name != spec.name for c in o.outputs.values()}
    for col in referenced_columns(spec):
        if col not in data_cols:
            raise ColumnSpecError(f"Column {col!r} is not in table {table.name}.")
        if col in spec.outputs.values():
            raise ColumnSpecError(f"Column {spec.name} cannot read its own output {col!r}.")
    if new:
        for out in spec.outputs.values():
            if out in data_cols or out in owned:
                raise ColumnSpecError(f"Table {table.name} already has a column named {out!r}.")
    for key, source in spec.inputs.items():
        if is_template(source) and not template_columns(source):
            raise ColumnSpecError(f"Input {key} has an empty {{{{column}}}} template.")
    if spec.condition is not None:
        if not spec.condition.strip():
            spec.condition = None
        else:
            check_expression(table.frame, spec.condition, what="condition", boolean=True)
    if spec.action == "formula":
        check_expression(table.frame, str(spec.params["expression"]), what="formula", boolean=False)
    return spec
