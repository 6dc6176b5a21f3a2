"""A column's Run Info: what it cost to date, what it found, what went wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from clay_tui.credits.ledger import ledger_for
from clay_tui.credits.reports import NO_MEMBER, column_spend_by_member, run_info_numbers
from clay_tui.enrich import store
from clay_tui.enrich.estimate import spend_limit_used
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.states import STOPPED, TRIED, CellState, in_order, label
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace


@dataclass
class RunInfo:
    column: str
    action: str
    providers: list[str]
    credits_spent: int  # net of refunds
    credits_charged: int
    refunds: int
    per_provider: dict[str, int]
    counts: dict[str, int]
    hits: int
    misses: int
    invalid: int
    errors: int
    skipped: int
    missing_input: int
    rows: int
    rows_run: int
    percent_run: float
    runs: int
    last_run_at: str | None
    last_run_status: str | None
    sandbox: bool
    recent_errors: list[str] = field(default_factory=list)
    last_run_trigger: str | None = None  # manual | cli | auto-update (None: before triggers)
    last_run_rows: str | None = None  # the last run's row set, in words
    last_run_counts: dict[str, int] | None = None  # cells per state the last run recorded
    last_run_credits: int | None = None  # what the last run charged (net)
    spend_limit: int | None = None  # the column's, across all its runs
    spend_limit_used: int = 0  # spent net of refunds (and held by a run in progress)
    spend_limit_left: int | None = None
    rows_tried: int = 0  # rows a provider (or the action) was asked for: found/no data/...
    per_member: dict[str, int] = field(default_factory=dict)  # net credits by who spent them
    runs_per_member: dict[str, int] = field(default_factory=dict)  # runs by who started them
    last_run_member: str | None = None

    @property
    def members(self) -> list[str]:
        """Everyone who ran or paid for this column, by name."""
        return sorted(set(self.per_member) | set(self.runs_per_member))

    def members_text(self) -> str:
        """ "ann 12 credits in 3 runs · bob 5 credits in 1 run"."""
        parts = []
        for name in self.members:
            runs = self.runs_per_member.get(name, 0)
            parts.append(
                f"{name} {self.per_member.get(name, 0):,} credits in {runs:,} "
                + ("run" if runs == 1 else "runs")
            )
        return " · ".join(parts)

    @property
    def hit_rate(self) -> float:
        tried = self.hits + self.misses + self.invalid
        return self.hits / tried if tried else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "hit_rate": round(self.hit_rate, 4)}

    def text_lines(self) -> list[str]:
        """Run Info as the lines `clay-tui run-info` prints (each provider text kept raw:
        the caller makes it inert)."""
        per = ", ".join(f"{p} {c}" for p, c in self.per_provider.items()) or "-"
        team = len(self.members) > 1  # who spent it, once more than one person has
        lines = [
            f"Column      {self.column} ({self.action}; {', '.join(self.providers) or 'free'}; "
            f"{('sandbox' if self.sandbox else 'live') if self.providers else 'local'})",
            f"Credits     {self.credits_spent} spent ({self.credits_charged} charged, "
            f"{self.refunds} refunded); per provider: {per}",
            f"Results     found {self.hits}, no data {self.misses}, invalid {self.invalid}, "
            f"errors {self.errors}, skipped {self.skipped}, missing input {self.missing_input}",
            f"Hit rate    {self.hit_rate:.0%}",
            f"Rows tried  {self.rows_tried} of {self.rows}"
            + (f", {self.skipped} skipped by the condition" if self.skipped else "")
            + f"; {self.rows_run} of {self.rows} done ({self.percent_run}%) in {self.runs} run(s)",
            "Spend limit "
            + (
                "none (set one: edit-column --spend-limit N)"
                if self.spend_limit is None
                else f"{self.spend_limit_used} of {self.spend_limit} used, "
                f"{self.spend_limit_left} left"
            ),
            f"Last run    {self.last_run_at or 'never'}"
            + (f" ({label(self.last_run_status)})" if self.last_run_status else "")
            + (f", started by {self.last_run_trigger}" if self.last_run_trigger else "")
            + (f" ({self.last_run_member})" if team and self.last_run_member else "")
            + (f", {self.last_run_rows}" if self.last_run_rows else "")
            + (f": {self.last_run_text()}" if self.last_run_text() else ""),
        ]
        if team:
            lines.insert(2, f"Members     {self.members_text()}")
        return lines

    def last_run_text(self) -> str:
        """What the last run recorded: "2 found, 1 no data, 3 cancelled · 6 credits"."""
        if self.last_run_counts is None:
            return ""
        text = (
            ", ".join(f"{n:,} {label(s)}" for s, n in in_order(self.last_run_counts)) or "no cells"
        )
        return text + f" · {self.last_run_credits or 0:,} credits"


def run_info(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> RunInfo:
    store.ensure(ws)
    ledger_for(ws)  # the ledger's tables, and any renewal due
    numbers = run_info_numbers(ws.db, table.id, spec.id or -1)
    present = set(table.frame.get_column("_row_id").to_list())
    counts: dict[str, int] = {}
    for rid, status in store.cell_states(ws, table.id, spec.id or -1).items():
        if rid in present:
            counts[status] = counts.get(status, 0) + 1
    errors = [
        r[0]
        for r in ws.db.execute(
            "SELECT error FROM cells WHERE table_id = ? AND column_id = ? AND status = ?"
            " AND error IS NOT NULL ORDER BY updated_at DESC, row_id DESC LIMIT 5",
            (table.id, spec.id, CellState.ERROR),
        ).fetchall()
    ]
    last = ws.db.execute(
        "SELECT started_at, status, sandbox, trigger, row_set, counts, credits, member FROM runs"
        " WHERE table_id = ? AND column_id = ? ORDER BY id DESC LIMIT 1",
        (table.id, spec.id),
    ).fetchone()
    by_member = ws.db.execute(
        "SELECT member, COUNT(*) FROM runs WHERE table_id = ? AND column_id = ? GROUP BY member",
        (table.id, spec.id),
    ).fetchall()
    runs_per_member = {r[0] or NO_MEMBER: int(r[1]) for r in by_member}
    nruns = sum(runs_per_member.values())
    # cells a run reached but never ran (stopped, out of credits, crashed) are not "run"
    rows_run = sum(n for status, n in counts.items() if status not in STOPPED)
    tried = sum(counts.get(s, 0) for s in TRIED)
    used = spend_limit_used(ws, table, spec) if spec.spend_limit is not None else 0
    sandbox = all(
        ws.settings.providers[p].mode == "sandbox"
        for p in spec.providers
        if p in ws.settings.providers
    )
    return RunInfo(
        column=spec.name,
        action=spec.action,
        providers=list(spec.providers),
        credits_spent=numbers.net,
        credits_charged=numbers.spent,
        refunds=numbers.refunded,
        per_provider={p.provider: p.spent - p.refunded for p in numbers.providers},
        counts=counts,
        hits=counts.get(CellState.FOUND, 0),
        misses=counts.get(CellState.NO_DATA, 0),
        invalid=counts.get(CellState.INVALID, 0),
        errors=counts.get(CellState.ERROR, 0),
        skipped=counts.get(CellState.SKIPPED, 0),
        missing_input=counts.get(CellState.MISSING_INPUT, 0),
        rows=table.row_count,
        rows_run=rows_run,
        percent_run=round(100.0 * rows_run / table.row_count, 1) if table.row_count else 0.0,
        runs=nruns,
        last_run_at=last["started_at"] if last else None,
        last_run_status=last["status"] if last else None,
        sandbox=bool(last["sandbox"]) if last and last["sandbox"] is not None else sandbox,
        recent_errors=errors,
        last_run_trigger=last["trigger"] if last else None,
        last_run_rows=last["row_set"] if last else None,
        last_run_counts=json.loads(last["counts"]) if last and last["counts"] else None,
        last_run_credits=last["credits"] if last else None,
        spend_limit=spec.spend_limit,
        spend_limit_used=used,
        spend_limit_left=None if spec.spend_limit is None else max(0, spec.spend_limit - used),
        rows_tried=tried,
        per_member=column_spend_by_member(ws.db, table.id, spec.id or -1),
        runs_per_member=runs_per_member,
        last_run_member=last["member"] if last else None,
    )


def stop_message(
    ws: Workspace,
    table: LeadTable,
    spec: ColumnSpec,
    stopped_by: str | None,
    run_id: int,
    *,
    raise_limit: str,
    raise_run: str,
    buy: str,
) -> str:
    """Why a run left cells unrun for want of credits, and what to do: the limit it hit,
    by name and size, or the balance. ``raise_limit`` / ``raise_run`` / ``buy`` say how,
    in the front end's words (a CLI verb, a TUI key)."""
    if stopped_by == "column":
        used = spend_limit_used(ws, table, spec)
        return (
            f"{spec.name}'s spend limit stopped this run: {used:,} of "
            f"{spec.spend_limit or 0:,} credits used (all its runs), too few left for the "
            f'next call; the cells left say "spend limit". {raise_limit}'
        )
    if stopped_by == "run":
        row = ws.db.execute("SELECT max_credits FROM runs WHERE id = ?", (run_id,)).fetchone()
        max_credits = row[0] if row is not None else None
        return (
            f"This run's maximum of {max_credits or 0:,} credits stopped it (too few "
            f'left for the next call); the cells left say "spend limit". {raise_run}'
        )
    if stopped_by == "table":
        return 'The table\'s spend limit is reached: the cells left say "spend limit".'
    return f'Out of credits: the cells left say "not enough credits". {buy}'
