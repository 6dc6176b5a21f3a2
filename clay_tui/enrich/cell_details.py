"""One enrichment cell, explained: its value, its state and why, and every provider attempt
(waterfall order, verifier verdict, credits reserved, charged and refunded, run and trigger).

The credits of each attempt come from the ledger entries keyed by that attempt (reserve
``K``, settle ``K:settle``, capture ``K:capture``, refund ``K:capture:refund``, each maybe
with the ``/purchased`` half), so a cell's attempts always sum to what the ledger holds
for it. No Textual here: the CLI's ``cell`` verb and the TUI's details screen share it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from clay_tui.enrich import store
from clay_tui.enrich.actions import get_action
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError
from clay_tui.providers.base import Outcome
from clay_tui.states import AttemptState, CellState
from clay_tui.workspace.backend import has_table

if TYPE_CHECKING:
    from clay_tui.providers.base import ProviderResult
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

NOT_RUN = "not run"
RUNNING = "running"
_VERDICT = ("status", "verification_status", "email_status")
_BASE_KEY = re.compile(r"^(enrich:.*:run\d+)(?:[:/].*)?$")


def attempt_detail(result: ProviderResult | None, rejected: bool) -> str | None:
    """What an attempt row keeps of the provider's answer: verdict, score, message (JSON)."""
    if result is None:
        return None
    data = result.data or {}
    out: dict[str, Any] = {}
    status = next((data[k] for k in _VERDICT if data.get(k) not in (None, "")), None)
    if status is not None:
        out["status"] = str(status)
    if data.get("score") is not None:
        out["score"] = data["score"]
    if result.message:
        out["message"] = result.message
    if result.error_id:
        out["error_id"] = result.error_id
    if rejected:
        out["rejected"] = True
    return json.dumps(out, default=str) if out else None


@dataclass(frozen=True)
class Attempt:
    """One paid provider call for the cell (a hold was made for it)."""

    run_id: int
    trigger: str | None  # manual | cli | auto-update (None: a run from before triggers)
    step: int
    provider: str
    op: str
    outcome: str | None  # found | no_data | invalid | error | cancelled | ... (None: in flight)
    state: str  # started | settled | interrupted
    reserved: int
    charged: int
    refunded: int
    verifier_status: str | None = None
    verifier_score: Any = None
    message: str | None = None
    rejected: bool = False  # validation turned the result down (refunded where the provider does)
    started_at: str | None = None
    finished_at: str | None = None
    own_key: bool = False

    @property
    def net(self) -> int:
        return self.charged - self.refunded

    @property
    def outcome_text(self) -> str:
        """The outcome in words ("no data", "in flight" while the call runs)."""
        if self.outcome:
            return self.outcome.replace("_", " ")
        return "in flight" if self.state == AttemptState.STARTED else self.state


@dataclass
class CellDetails:
    table: str
    column: str  # the enrichment column
    row_id: int
    action: str
    values: dict[str, Any]  # output column -> what the table shows
    state: str  # a stored state, or "not run"
    why: str
    provider: str | None
    credits: int  # what the stored result cost (net), as the cell row says
    run_id: int | None
    trigger: str | None
    updated_at: str | None
    condition: str | None
    sandbox: bool  # answered by the bundled sandbox (False for live or no provider)
    paid_with: str  # "credits" | "own key" | "free"
    attempts: list[Attempt] = field(default_factory=list)
    ledger_charged: int = 0
    ledger_refunded: int = 0

    @property
    def ledger_net(self) -> int:
        return self.ledger_charged - self.ledger_refunded

    @property
    def mode(self) -> str:
        """sandbox | live | offline (an action that calls no provider: cleaning, formulas)."""
        if self.paid_with == "free":
            return "offline"
        return "sandbox" if self.sandbox else "live"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ledger_net"] = self.ledger_net
        out["mode"] = self.mode
        return out


def owning_spec(specs: list[ColumnSpec], column: str) -> ColumnSpec | None:
    """The enrichment column that fills ``column`` (itself, or one of its outputs)."""
    for spec in specs:
        if spec.name == column or column in spec.outputs.values():
            return spec
    return None


def _base_key(key: str) -> str | None:
    m = _BASE_KEY.match(key)
    return m.group(1) if m else None


def _ledger(
    ws: Workspace, table_id: int, column_id: int, row_id: int
) -> dict[str | None, dict[str, int]]:
    """attempt key -> {reserved, charged, refunded}, from the cell's spend entries."""
    out: dict[str | None, dict[str, int]] = {}
    if not has_table(ws.db, "ledger"):
        return out
    # every key of this cell starts with its prefix: a range over the key's unique index, so a
    # column with a million charged cells is not scanned
    prefix = f"enrich:t{table_id}:c{column_id}:r{row_id}:"
    p = "" if ws.dialect.name == "postgresql" else "+"  # SQLite's +: not by the column index
    rows = ws.db.execute(
        f"SELECT kind, amount, key FROM ledger WHERE key >= ? AND key < ?"
        f" AND {p}table_id = ? AND {p}column_id = ? AND {p}row_id = ?"
        f" AND {p}kind IN ('reserve', 'capture', 'refund')",
        (prefix, prefix[:-1] + ";", table_id, column_id, row_id),
    )
    for kind, amount, key in rows:
        sums = out.setdefault(_base_key(key), {"reserved": 0, "charged": 0, "refunded": 0})
        if kind == "reserve":
            sums["reserved"] -= amount
        elif kind == "capture":
            sums["charged"] -= amount
        else:
            sums["refunded"] += amount
    return out


def _validation(spec: ColumnSpec) -> tuple[str, str] | None:
    from clay_tui.enrich.actions import ACTIONS

    info = ACTIONS.get(spec.action)
    check = info.validation_of(spec) if info is not None else None
    if not check or "." not in check:
        return None
    provider, op = check.split(".", 1)
    return provider, op


def _call_order(attempts: list[Attempt], validation: tuple[str, str] | None) -> list[Attempt]:
    """Attempts in the order the calls happened. A validation's hold is taken with the
    finder before it (so its step number comes early); it checked the next finder that
    found something, so it is shown right after that finder; an unused one comes last."""
    if validation is None:
        return attempts
    out: list[Attempt] = []
    runs = dict.fromkeys(a.run_id for a in attempts)
    for run in runs:
        mine = [a for a in attempts if a.run_id == run]
        checks = [a for a in mine if (a.provider, a.op) == validation]
        used = [a for a in checks if a.outcome != "not called"]
        unused = [a for a in checks if a.outcome == "not called"]
        for a in mine:
            if (a.provider, a.op) == validation:
                continue
            out.append(a)
            if a.outcome == Outcome.FOUND and used:
                out.append(used.pop(0))
        out += used + unused
    return out


def _why(state: str, cell: Any, spec: ColumnSpec, provider: str | None) -> str:
    error = (cell["error"] if cell is not None else None) or ""
    if state == NOT_RUN:
        return "No run has reached this cell yet."
    if state == CellState.FOUND:
        return f"Found by {provider}." if provider else "Found."
    if state == CellState.SKIPPED:
        return (
            f"Run condition not met: {spec.condition}."
            if spec.condition
            else "Run condition not met."
        )
    if state == CellState.NO_DATA:
        who = f" ({provider} was the last asked)" if provider else ""
        return (error or "No provider had data for this row").rstrip(".") + f"{who}."
    if state == CellState.CANCELLED:
        return error or "The run was stopped before this cell was called."
    return error or state.capitalize() + "."


def _not_run_why(ws: Workspace, table: LeadTable, spec: ColumnSpec, row_id: int) -> str:
    """A cell no run reached: what a run would do with it now."""
    from clay_tui.enrich.actions import ACTIONS
    from clay_tui.enrich.rows import RowSelection, plan_rows

    try:
        plan = plan_rows(ws, table, spec, RowSelection("ids", ids=(row_id,)))
    except ClayError:
        return "No run has reached this cell yet."
    if row_id in plan.skipped:
        return (
            f"Not run yet; its condition is not met ({spec.condition}), so a run would "
            "skip it for free."
        )
    if row_id in plan.missing:
        return f"Not run yet; a run would skip it for free. {plan.missing[row_id]}"
    info = ACTIONS.get(spec.action)
    cost = info.max_cost(ws.settings, spec) if info is not None else 0
    return "Not run yet; a run would call for it" + (
        f" (up to {cost} credits)." if cost else " (free)."
    )


def cell_details(
    ws: Workspace, table: LeadTable, specs: list[ColumnSpec], column: str, row_id: int
) -> CellDetails:
    spec = owning_spec(specs, column)
    if spec is None or spec.id is None:
        raise ClayError(
            f"{column} is not an enrichment column of {table.name}: it holds input "
            "data, never runs and costs nothing."
        )
    if not table.has_row(row_id):
        raise ClayError(
            f"{table.name} has no row id {row_id} (row ids are the stable ids the "
            "status bar shows)."
        )
    store.ensure(ws)
    cell = ws.db.execute(
        "SELECT * FROM cells WHERE table_id = ? AND column_id = ? AND row_id = ?",
        (table.id, spec.id, row_id),
    ).fetchone()
    triggers = {
        r[0]: r[1]
        for r in ws.db.execute(
            "SELECT id, trigger FROM runs WHERE table_id = ? AND column_id = ?", (table.id, spec.id)
        )
    }
    spend = _ledger(ws, table.id, spec.id, row_id)
    providers = ws.settings.providers
    attempts = []
    for a in ws.db.execute(
        "SELECT * FROM attempts WHERE table_id = ? AND column_id = ? AND row_id = ?"
        " ORDER BY run_id, step, id",
        (table.id, spec.id, row_id),
    ):
        sums = spend.pop(a["key"], {"reserved": 0, "charged": 0, "refunded": 0})
        detail = json.loads(a["detail"]) if a["detail"] else {}
        attempts.append(
            Attempt(
                run_id=a["run_id"],
                trigger=triggers.get(a["run_id"]),
                step=a["step"],
                provider=a["provider"],
                op=a["op"],
                state=a["state"],
                # a hold taken with an earlier step (the verifier's) that no call needed
                outcome=a["outcome"]
                or ("not called" if a["state"] == AttemptState.SETTLED else None),
                reserved=sums["reserved"],
                charged=sums["charged"],
                refunded=sums["refunded"],
                verifier_status=detail.get("status"),
                verifier_score=detail.get("score"),
                message=detail.get("message"),
                rejected=bool(detail.get("rejected")),
                started_at=a["started_at"],
                finished_at=a["finished_at"],
                own_key=bool(providers.get(a["provider"]) and providers[a["provider"]].own_key),
            )
        )
    attempts = _call_order(attempts, _validation(spec))
    charged = sum(a.charged for a in attempts) + sum(s["charged"] for s in spend.values())
    refunded = sum(a.refunded for a in attempts) + sum(s["refunded"] for s in spend.values())
    state = cell["status"] if cell is not None else NOT_RUN
    provider = cell["provider"] if cell is not None else None
    row = table.row(row_id)
    values = {col: row.get(col) for col in spec.outputs.values() if col in row}
    used = [p for p in spec.providers if p in providers]
    if cell is not None and cell["sandbox"] is not None:
        sandbox = bool(cell["sandbox"])
    else:
        sandbox = bool(used) and all(providers[p].mode == "sandbox" for p in used)
    action = get_action(spec.action)
    if not used or (action is not None and action.free):
        paid_with = "free"
    elif any(a.own_key for a in attempts) or (
        not attempts and all(providers[p].own_key for p in used)
    ):
        paid_with = "own key"
    else:
        paid_with = "credits"
    run_id = cell["run_id"] if cell is not None else None
    why = _why(state, cell, spec, provider)
    flying = [a for a in attempts if a.state == AttemptState.STARTED]
    if flying:  # a run is calling for this cell right now
        state = RUNNING
        a = flying[-1]
        why = (
            f"{a.provider}.{a.op} was called by run {a.run_id} and has not answered yet; "
            f"{a.reserved} credits are held until it does."
        )
    elif state == NOT_RUN:
        why = _not_run_why(ws, table, spec, row_id)
    return CellDetails(
        table=table.name,
        column=spec.name,
        row_id=row_id,
        action=spec.action,
        values=values,
        state=state,
        why=why,
        provider=provider,
        credits=cell["credits"] if cell is not None else 0,
        run_id=run_id,
        trigger=triggers.get(run_id) if run_id is not None else None,
        updated_at=cell["updated_at"] if cell is not None else None,
        condition=spec.condition,
        sandbox=sandbox,
        paid_with=paid_with,
        attempts=attempts,
        ledger_charged=charged,
        ledger_refunded=refunded,
    )
