"""Auto-update: run columns by themselves on rows that are added or whose inputs change.

Only when the table's master switch (off for a new table) AND the column's own switch
are on. The TUI attaches an ``AutoUpdater`` to a table; the CLI never does (a CLI run is
explicit). Changes are gathered for a short while and then run as one batch per column,
in dependency order.

What triggers a column: a new row, or a change of a column it reads (inputs, templates,
formula, required columns) or that its "only run if" condition reads; never its own
outputs, and never a "change" that leaves the value as it was. A per-row guard stops any
chain (A's result re-runs B, B's re-runs C, ...) that would run the same cell twice for
one user change, so even a cycle left by an older version cannot loop. Paid auto-update
runs stop at a daily cap per table (``run.auto_update_daily_cap``) and pause until the
next day (UTC) once it is spent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from clay_tui.enrich import graph
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.columns import list_columns
from clay_tui.enrich.rows import RowSelection
from clay_tui.enrich.spec import ColumnSpec, formula_columns
from clay_tui.enrich.trigger import Trigger
from clay_tui.errors import ClayError
from clay_tui.table import registry
from clay_tui.table.lead_table import ROW_ID, LeadTable, TableChange
from clay_tui.workspace import Workspace

if TYPE_CHECKING:
    from clay_tui.enrich.runner import RunSummary

SCHEMA_NAME = "auto_update"
SCHEMA = """
CREATE TABLE IF NOT EXISTS auto_update_spend (
    run_id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    credits INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS auto_update_spend_day ON auto_update_spend(table_id, day);
"""
MEMORY_LIMIT = 200_000  # remembered cells before the memory starts again from the table
_MISSING = object()


class AutoUpdatePaused(ClayError):
    """The table's daily auto-update cap is spent."""


# ------------------------------------------------------------ the daily cap


def _ensure(ws: Workspace) -> None:
    ws.ensure_schema(SCHEMA_NAME, SCHEMA)


def _today(ws: Workspace) -> str:
    return ws.clock.now().date().isoformat()


def daily_cap(ws: Workspace) -> int:
    return int(getattr(ws.settings.run, "auto_update_daily_cap", 200))


def spent_today(ws: Workspace, table: LeadTable) -> int:
    _ensure(ws)
    row = ws.db.execute(
        "SELECT COALESCE(SUM(credits), 0) FROM auto_update_spend WHERE table_id = ? AND day = ?",
        (table.id, _today(ws)),
    ).fetchone()
    return int(row[0])


def cap_left(ws: Workspace, table: LeadTable) -> int:
    return max(0, daily_cap(ws) - spent_today(ws, table))


def record_spend(ws: Workspace, table: LeadTable, summary: RunSummary) -> None:
    _ensure(ws)
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO auto_update_spend (run_id, table_id, day, credits) VALUES (?,?,?,?)"
            " ON CONFLICT (run_id) DO UPDATE SET table_id = excluded.table_id,"
            " day = excluded.day, credits = excluded.credits",
            (summary.run_id, table.id, _today(ws), int(summary.credits)),
        )


def paused_notice(ws: Workspace, table: LeadTable) -> str:
    return (
        f"Auto-update of {table.name} is paused until tomorrow (UTC): it spent its daily cap "
        f"of {daily_cap(ws)} credits (run.auto_update_daily_cap in config.toml); free "
        "columns still update."
    )


def per_row_max(ws: Workspace, spec: ColumnSpec) -> int:
    """The most one auto-updated cell of ``spec`` can cost."""
    return int(ACTIONS[spec.action].max_cost(ws.settings, spec))


async def run_batch(
    ws: Workspace,
    table: LeadTable,
    spec: ColumnSpec,
    ids: tuple[int, ...],
    *,
    run: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> RunSummary:
    """One auto-update run of ``spec`` on ``ids``: within what is left of the daily cap,
    its spend recorded against the cap. ``AutoUpdatePaused`` if a paid column finds the
    cap spent (nothing is called)."""
    paid = per_row_max(ws, spec) > 0
    left = cap_left(ws, table)
    if paid and left <= 0:
        raise AutoUpdatePaused(paused_notice(ws, table))
    max_credits = kwargs.pop("max_credits", None)
    if paid:
        max_credits = left if max_credits is None else min(left, max_credits)
    kwargs.setdefault("trigger", Trigger.AUTO_UPDATE)
    from clay_tui.enrich.runner import run_column  # imported when first needed: start-up

    runner = run or (lambda *a, **k: run_column(*a, **k))
    summary: RunSummary = await runner(
        ws, table, spec, RowSelection("ids", ids=ids, force=True), max_credits=max_credits, **kwargs
    )
    if paid:
        record_spend(ws, table, summary)
        if cap_left(ws, table) <= 0:
            notice = paused_notice(ws, table)
            summary.message = f"{summary.message} {notice}".strip()
    return summary


# ------------------------------------------------------------ what it will do


@dataclass
class ColumnPlan:
    column: str
    on: bool
    inputs: list[str]  # columns whose change re-runs it (not its condition's)
    condition: list[str]  # columns its "only run if" reads
    per_row_max: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AutoUpdateState:
    table: str
    on: bool
    columns: list[ColumnPlan] = field(default_factory=list)
    daily_cap: int = 0
    spent_today: int = 0

    @property
    def per_row_max(self) -> int:
        """The most one new or edited row can cost with the table's switch on (every column
        whose own switch is on runs on it)."""
        return sum(c.per_row_max for c in self.columns if c.on)

    @property
    def paused(self) -> bool:
        return self.on and self.spent_today >= self.daily_cap

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "on": self.on,
            "paused": self.paused,
            "columns": [c.as_dict() for c in self.columns],
            "per_row_max_credits": self.per_row_max,
            "daily_cap": self.daily_cap,
            "spent_today": self.spent_today,
        }

    def lines(self) -> list[str]:
        """What auto-update does on this table, for people (CLI and the confirm screen)."""
        if self.on:
            head = (
                f"Auto-update of {self.table} is on: these columns run by themselves on new "
                "rows and on rows where a column they read changes."
            )
        else:
            head = (
                f"Auto-update of {self.table} is off: nothing runs by itself. Turned on, "
                "these columns would run on new rows and on rows where a column they read "
                "changes."
            )
        if not self.columns:
            return [
                f"Auto-update of {self.table} is {'on' if self.on else 'off'}; the table "
                "has no enrichment columns, so nothing would run."
            ]
        out = [head]
        for c in self.columns:
            what = f"inputs {', '.join(c.inputs) or '(none)'}"
            if c.condition:
                what += f"; condition {', '.join(c.condition)}"
            cost = (
                f"up to {c.per_row_max} credit{'s' if c.per_row_max != 1 else ''} a row"
                if c.per_row_max
                else "free"
            )
            off = "" if c.on else " [its own switch is off: it does not run]"
            out.append(f"  {c.column}{off}: {what}; {cost}.")
        active = [c for c in self.columns if c.on]
        total = self.per_row_max
        out.append(
            f"At most {total} credit{'s' if total != 1 else ''} per new or edited row "
            f"({len(active)} column"
            f"{'s' if len(active) != 1 else ''} on); daily cap {self.daily_cap} credits "
            f"for this table, {self.spent_today} spent today"
            + (": paused until tomorrow (UTC)." if self.paused else ".")
        )
        return out


def describe(ws: Workspace, table: LeadTable) -> AutoUpdateState:
    state = AutoUpdateState(
        table.name,
        registry.auto_update(ws, table.id),
        daily_cap=daily_cap(ws),
        spent_today=spent_today(ws, table),
    )
    specs = list_columns(ws, table)
    by_name = {s.name: s for s in specs}
    for name in graph.ColumnGraph(specs).order():
        spec = by_name[name]
        cond = [
            c
            for c in (formula_columns(spec.condition) if spec.condition else [])
            if c not in spec.outputs.values()
        ]
        inputs = [
            r.column
            for r in graph.reads(spec)
            if r.how != "condition" and r.column not in spec.outputs.values()
        ]
        state.columns.append(
            ColumnPlan(spec.name, spec.auto_update, inputs, cond, per_row_max(ws, spec))
        )
    return state


# ------------------------------------------------------------ the updater


class AutoUpdater:
    def __init__(
        self,
        ws: Workspace,
        table: LeadTable,
        *,
        delay_s: float = 0.3,
        on_summary: Callable[[RunSummary], None] | None = None,
        run_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.ws, self.table = ws, table
        self.delay_s = delay_s
        self.on_summary = on_summary
        self.run_kwargs = run_kwargs or {}
        self._pending: dict[str, set[int]] = {}
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.summaries: list[RunSummary] = []
        self.errors: list[Exception] = []
        self.notices: list[str] = []
        self.guarded = 0  # cells the per-row guard kept from running twice
        # what each (column, row) held when last looked at: a "change" to the same value
        # triggers nothing. Cells never looked at are read from the table as it was.
        self._base = table.frame
        self._seen: dict[tuple[str, int], Any] = {}
        # per row: the enrichment columns this row's current chain has run (or queued), and
        # the output cells whose results the chain waits for
        self._chain: dict[int, set[str]] = {}
        self._expect: dict[int, set[str]] = {}

    def attach(self) -> AutoUpdater:
        self._unsubscribe = self.table.subscribe(self._on_change)
        return self

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _enabled(self) -> bool:
        return registry.auto_update(self.ws, self.table.id)

    # ---------------------------------------------------------- change detection
    def _values(self, frame: pl.DataFrame, column: str, ids: list[int]) -> dict[int, Any]:
        if column not in frame.columns or not ids:
            return {}
        part = frame.filter(pl.col(ROW_ID).is_in(ids)).select(ROW_ID, column)
        return dict(
            zip(part.get_column(ROW_ID).to_list(), part.get_column(column).to_list(), strict=True)
        )

    def _changed(self, column: str, ids: list[int]) -> set[int]:
        """The rows among ``ids`` whose ``column`` differs from when it was last seen."""
        if len(self._seen) > MEMORY_LIMIT:  # (a big run's results): start again from now;
            # a change already in the frame but not yet handled here then triggers nothing
            self._seen.clear()
            self._base = self.table.frame
        new = self._values(self.table.frame, column, ids)
        unseen = [r for r in ids if (column, r) not in self._seen]
        base = self._values(self._base, column, unseen)
        changed: set[int] = set()
        for r in ids:
            old = self._seen.get((column, r), base.get(r, _MISSING))
            now = new.get(r, _MISSING)
            if old is _MISSING or now is _MISSING or old != now:
                changed.add(r)
            self._seen[(column, r)] = now
        return changed

    # ---------------------------------------------------------- the per-row guard
    def _new_chain(self, row: int, started_by: str | None = None) -> None:
        if len(self._chain) > MEMORY_LIMIT:
            self._chain.clear()
            self._expect.clear()
        self._chain[row] = {started_by} if started_by else set()
        self._expect.pop(row, None)

    def _admit(self, spec: ColumnSpec, row: int) -> bool:
        chain = self._chain.setdefault(row, set())
        if spec.name in chain:
            self.guarded += 1
            return False
        chain.add(spec.name)
        self._expect.setdefault(row, set()).update(spec.outputs.values())
        return True

    # ---------------------------------------------------------- deciding
    def rows_for(self, change: TableChange) -> dict[str, set[int]]:
        """Which columns should run on which rows after ``change`` (remembers what it saw:
        call it once per change, in order)."""
        if change.kind not in ("set", "add_rows", "results") or not change.row_ids:
            return {}
        if change.remote:  # another process's change, replayed here: that process decides
            return {}
        specs = list_columns(self.ws, self.table)
        # (a spent daily cap is checked when the batch runs: ``run_batch`` says it is paused)
        specs_on = [s for s in specs if s.auto_update] if self._enabled() else []
        rows = list(change.row_ids)
        out: dict[str, set[int]] = {}
        if change.kind == "add_rows":
            for r in rows:
                self._new_chain(r)
            for spec in specs_on:
                admitted = {r for r in rows if self._admit(spec, r)}
                if admitted:
                    out[spec.name] = admitted
            return out
        producer = graph.ColumnGraph(specs).producer
        for column in change.columns:
            readers = [s for s in specs if column in graph.trigger_columns(s)]
            if not readers:
                continue
            changed = self._changed(column, rows)
            if change.kind == "set":
                for r in changed:
                    self._new_chain(r)
            else:  # results: the chain goes on if it asked for them, else a run started one
                by = producer.get(column)
                for r in rows:
                    expected = self._expect.get(r, set())
                    if column in expected:
                        expected.discard(column)
                    else:
                        self._new_chain(r, by)
            for spec in readers:
                if spec not in specs_on:
                    continue
                admitted = {r for r in sorted(changed) if self._admit(spec, r)}
                if admitted:
                    out.setdefault(spec.name, set()).update(admitted)
        return out

    def order(self, names: list[str]) -> list[str]:
        """``names`` in dependency order (a column after the columns it reads)."""
        ranked = graph.ColumnGraph(list_columns(self.ws, self.table)).order()
        rank = {n: i for i, n in enumerate(ranked)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))

    # ---------------------------------------------------------- running (headless)
    def _on_change(self, change: TableChange) -> None:
        todo = self.rows_for(change)
        if not todo:
            return
        for name, rows in todo.items():
            self._pending.setdefault(name, set()).update(rows)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a script editing the table): flush() runs them later
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay_s)
        await self.flush()

    async def flush(self) -> list[RunSummary]:
        """Run every pending (column, rows) batch now, upstream columns first."""
        done: list[RunSummary] = []
        while self._pending:
            name = self.order(list(self._pending))[0]
            rows = self._pending.pop(name)
            spec = next((c for c in list_columns(self.ws, self.table) if c.name == name), None)
            if spec is None:
                continue
            try:
                summary = await run_batch(
                    self.ws, self.table, spec, tuple(sorted(rows)), **self.run_kwargs
                )
            except AutoUpdatePaused as exc:
                if str(exc) not in self.notices:
                    self.notices.append(str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - reported, never raised into the UI loop
                self.errors.append(exc)
                continue
            done.append(summary)
            self.summaries.append(summary)
            if self.on_summary is not None:
                self.on_summary(summary)
        return done
