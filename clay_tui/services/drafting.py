"""Write a condition (or a formula) with AI: words in, a Polars SQL expression out.

The configured model is asked, with the table's column names, types and a few example
values, for one expression (structured output: ``expression`` and ``explanation``). The
draft is checked against the table (the same validator as a column's condition), its
matching row count is shown, and the user edits it before anything is saved. The call is
charged like any AI call (the model's credits): reserved first, captured in the same
transaction that stores the draft, released (never charged) when the model fails or its
draft does not fit the table. The same words over the same columns and model return the
stored draft for free.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from clay_tui.clock import iso
from clay_tui.credits.ledger import ledger_for
from clay_tui.credits.types import SpendContext
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.validate import check_expression
from clay_tui.errors import ClayError
from clay_tui.providers import openai_compat
from clay_tui.providers.base import Outcome
from clay_tui.providers.registry import Providers
from clay_tui.services.wrappers import blocking
from clay_tui.table import expressions
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace

KINDS = ("condition", "formula")
PROVIDER = "openai"
MAX_WORDS = 2_000
MAX_EXAMPLES = 8
LOW_CARDINALITY = 20  # a text column with at most this many values shows them as examples
SCHEMA = """
CREATE TABLE IF NOT EXISTS ai_drafts (
    key         TEXT PRIMARY KEY,  -- kind, model, words and the columns the model was shown
    table_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    words       TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    expression  TEXT    NOT NULL,
    explanation TEXT    NOT NULL,
    credits     INTEGER NOT NULL,
    charge_key  TEXT,              -- the ledger capture that paid for it
    at          TEXT    NOT NULL
);
"""
_WHAT = {
    "condition": "boolean condition (what follows WHERE) that is true for the rows described",
    "formula": "expression that computes one value per row, as described",
}


@dataclass(frozen=True)
class DraftCost:
    """What one draft costs before it is asked for (shown in the confirmation)."""

    model: str
    credits: int
    sandbox: bool

    def label(self) -> str:
        where = " (sandbox model)" if self.sandbox else ""
        unit = "credit" if self.credits == 1 else "credits"
        return f"Drafting asks {self.model}: {self.credits} {unit}{where}."


@dataclass
class Draft:
    kind: str
    words: str
    model: str
    expression: str
    explanation: str
    credits: int  # charged for this draft now (0 when it was stored already or not usable)
    sandbox: bool
    cached: bool = False
    problem: str | None = None  # why the expression does not fit the table (then not charged)
    matches: int | None = None  # rows the condition is true for
    rows: int = 0
    preview: list[Any] = field(default_factory=list)  # a formula's first values

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def default_model(ws: Workspace) -> str:
    return str(ACTIONS["ai_prompt"].params["model"])


def draft_cost(ws: Workspace, model: str | None = None) -> DraftCost:
    model = model or default_model(ws)
    ps = ws.settings.providers.get(PROVIDER)
    if ps is None:
        raise ClayError("No [providers.openai] is configured, so there is no model to draft with.")
    return DraftCost(model, ps.credits_for(model), ps.mode == "sandbox")


def columns_shown(table: LeadTable, hide: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Each column's name, type and (for a text column of few values) its common values;
    ``hide``: a column's own outputs, which its condition may not read."""
    out: list[dict[str, Any]] = []
    for name, label in table.dtype_labels().items():
        if name in hide:
            continue
        col: dict[str, Any] = {"name": name, "type": label}
        if label == "text":
            counts = table.frame.get_column(name).drop_nulls().value_counts(sort=True)
            if 0 < counts.height <= LOW_CARDINALITY:
                col["examples"] = [str(v)[:40] for v in counts.to_series(0).head(MAX_EXAMPLES)]
        out.append(col)
    return out


def _messages(kind: str, table: LeadTable, hide: frozenset[str]) -> str:
    return (
        f"You turn a description of rows into one Polars SQL {_WHAT[kind]}. Use only the "
        "columns below; put a column name in double quotes unless it is lower_snake_case. "
        "Answer with JSON: expression (the expression alone, no SELECT or WHERE) and "
        "explanation (one short sentence; name any words no column could express).\n"
        "Columns (JSON): " + json.dumps(columns_shown(table, hide), ensure_ascii=False)
    )


def _format(kind: str) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": f"draft_{kind}",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "expression": {"type": "string"},
                    "explanation": {"type": "string"},
                },
                "required": ["expression", "explanation"],
                "additionalProperties": False,
            },
        },
    }


def check_draft(
    table: LeadTable, kind: str, expression: str
) -> tuple[str | None, int | None, list]:
    """(problem, matching rows, preview values) for an expression as the user has it now."""
    text = expression.strip()
    if not text:
        return (f"The {kind} is empty.", None, [])
    try:
        check_expression(table.frame, text, what=kind, boolean=kind == "condition")
        if kind == "condition":
            return (None, len(expressions.matching_positions(table.frame, text)), [])
        values = table.frame.head(3).select(expressions.parse(text).alias("v"))["v"].to_list()
    except (ClayError, pl.exceptions.PolarsError) as exc:
        return (str(exc), None, [])
    return (None, None, values)


def _ensure(ws: Workspace) -> None:
    ws.ensure_schema("ai_drafts", SCHEMA)


def _stored(ws: Workspace, key: str) -> Any:
    return ws.db.execute("SELECT * FROM ai_drafts WHERE key = ?", (key,)).fetchone()


async def draft_async(
    ws: Workspace,
    table: LeadTable,
    words: str,
    kind: str = "condition",
    model: str | None = None,
    *,
    hide: frozenset[str] = frozenset(),
) -> Draft:
    """Ask the model for an expression; see the module's docstring for what is charged.
    ``hide``: columns the expression may not read (the outputs of the column it is for)."""
    if kind not in KINDS:
        raise ClayError(f"A draft is a condition or a formula, not {kind!r}.")
    words = " ".join(str(words).split())
    if not words:
        raise ClayError(f"Describe the {kind} in words first.")
    if len(words) > MAX_WORDS:
        raise ClayError(f"The description is too long (at most {MAX_WORDS:,} characters).")
    cost = draft_cost(ws, model)
    system = _messages(kind, table, hide)
    key = hashlib.sha256(
        json.dumps([kind, cost.model, words, system], ensure_ascii=False).encode()
    ).hexdigest()
    _ensure(ws)
    row = _stored(ws, key)
    if row is not None:
        return _finish(table, kind, words, cost, row["expression"], row["explanation"], 0, True)
    ledger = ledger_for(ws)
    context = SpendContext(table.id, None, None, PROVIDER, None, f"draft_{kind}")
    hold = ledger.reserve(cost.credits, f"draft:{key}:{uuid.uuid4().hex}", context=context)
    try:
        async with Providers(ws.settings) as providers:
            result = await openai_compat.complete(
                providers.client(PROVIDER),
                prompt=words,
                model=cost.model,
                max_tokens=400,
                system=system,
                response_format=_format(kind),
            )
    except BaseException:
        ledger.release(hold, "no charge: the draft call did not finish")
        raise
    if result.outcome is not Outcome.FOUND:
        ledger.release(hold, f"no charge: {result.outcome.value}")
        raise ClayError(result.message or f"The model gave no {kind}.")
    expression, explanation = _parse(str(result.data.get("text") or ""))
    problem = None if expression else f"The model could not draft a {kind}: {explanation}"
    if problem is None:
        problem = check_draft(table, kind, expression)[0]
    if problem is not None:  # rejected: nothing charged, nothing stored
        ledger.release(hold, "no charge: the draft does not fit the table")
        draft = _finish(table, kind, words, cost, expression, explanation, 0, False)
        draft.problem = problem
        return draft
    with ws.transaction():  # the charge and the draft it paid for: one fact
        charge = f"{hold.key}:capture"
        ledger.capture(hold, cost.credits, key=charge)
        ws.db.execute(
            "INSERT INTO ai_drafts (key, table_id, kind, words, model, expression, explanation,"
            " credits, charge_key, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                table.id,
                kind,
                words,
                cost.model,
                expression,
                explanation,
                cost.credits,
                charge,
                iso(ws.clock.now()),
            ),
        )
    return _finish(table, kind, words, cost, expression, explanation, cost.credits, False)


def _parse(text: str) -> tuple[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return "", "its answer was not the JSON asked for"
    if not isinstance(value, dict) or not isinstance(value.get("expression"), str):
        return "", "its answer had no expression"
    expression = value["expression"].strip().strip("`").strip()
    if expression.lower().startswith("where "):
        expression = expression[6:].strip()
    return expression, str(value.get("explanation") or "")[:500]


def _finish(
    table: LeadTable,
    kind: str,
    words: str,
    cost: DraftCost,
    expression: str,
    explanation: str,
    credits: int,
    cached: bool,
) -> Draft:
    problem, matches, preview = (
        check_draft(table, kind, expression) if expression else (None, None, [])
    )
    return Draft(
        kind,
        words,
        cost.model,
        expression,
        explanation,
        credits,
        cost.sandbox,
        cached,
        problem,
        matches,
        table.row_count,
        preview,
    )


draft = blocking(draft_async)  # for the CLI
