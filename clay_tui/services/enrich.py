"""The engine's front door for the CLI and the TUI."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clay_tui.enrich import auto_update as _auto
from clay_tui.enrich import columns as _columns
from clay_tui.enrich import store
from clay_tui.enrich.actions import ACTIONS, ActionInfo
from clay_tui.enrich.auto_update import AutoUpdatePaused, AutoUpdater, AutoUpdateState
from clay_tui.enrich.cell_details import CellDetails
from clay_tui.enrich.cell_details import cell_details as _cell_details
from clay_tui.enrich.estimate import Estimate, estimate
from clay_tui.enrich.progress_text import progress_text, share
from clay_tui.enrich.reconcile import reconcile
from clay_tui.enrich.rows import RowSelection, plan_rows
from clay_tui.enrich.rows import by_state as rows_by_state
from clay_tui.enrich.rows import not_done as rows_not_done
from clay_tui.enrich.run_info import RunInfo, stop_message
from clay_tui.enrich.run_info import run_info as _run_info
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.trigger import Trigger
from clay_tui.errors import ClayError
from clay_tui.services.wrappers import after
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace

if TYPE_CHECKING:
    from clay_tui.enrich.runner import Progress, RunSummary

__all__ = [
    "ActionInfo",
    "AutoUpdatePaused",
    "AutoUpdateState",
    "AutoUpdater",
    "ColumnSpec",
    "Estimate",
    "Progress",
    "RowSelection",
    "RunInfo",
    "RunSummary",
    "add_column",
    "add_columns",
    "cell_statuses",
    "delete_data_column",
    "estimate_run",
    "export_recipes",
    "get_column",
    "list_actions",
    "list_columns",
    "load_recipe",
    "reconcile_runs",
    "remove_column",
    "rename_data_column",
    "auto_update_state",
    "run_auto_update",
    "set_auto_update",
    "has_run",
    "progress_text",
    "rows_by_state",
    "rows_not_done",
    "rows_to_run",
    "share",
    "stop_message",
    "run_column",
    "run_info",
    "set_column_auto_update",
    "sync_results",
    "update_column",
    "CellDetails",
    "Trigger",
    "cell_details",
]


def __getattr__(name: str) -> Any:
    # imported when first needed: start-up (the engine and its HTTP client load with the
    # first run, not with the first screen)
    if name in ("Progress", "RunSummary"):
        from clay_tui.enrich import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def list_actions() -> list[ActionInfo]:
    return list(ACTIONS.values())


def add_column(ws: Workspace, table: LeadTable, spec: ColumnSpec) -> ColumnSpec:
    return _columns.add_column(ws, table, spec)


def add_columns(ws: Workspace, table: LeadTable, specs: list[ColumnSpec]) -> list[ColumnSpec]:
    """Add a recipe's columns: all checked first (names, table, column graph), then all added
    in one transaction; a bad column adds none."""
    return _columns.add_columns(ws, table, specs)


def delete_data_column(ws: Workspace, table: LeadTable, column: str) -> None:
    """Delete a data column (undoable); refused, naming them, if enrichment columns read it."""
    _columns.delete_data_column(ws, table, column)


def rename_data_column(ws: Workspace, table: LeadTable, old: str, new: str) -> None:
    """Rename a data column (undoable); refused, naming them, if enrichment columns read it."""
    _columns.rename_data_column(ws, table, old, new)


def load_recipe(path: Path) -> list[ColumnSpec]:
    return _columns.load_recipe(path)


def export_recipes(ws: Workspace, table: LeadTable, out: Path) -> None:
    _columns.export_recipes(ws, table, out)


def list_columns(ws: Workspace, table: LeadTable) -> list[ColumnSpec]:
    return _columns.list_columns(ws, table)


def get_column(ws: Workspace, table: LeadTable, column: str) -> ColumnSpec:
    return _columns.get_column(ws, table, column)


def estimate_run(
    ws: Workspace,
    table: LeadTable,
    column: str,
    rows: RowSelection,
    *,
    max_credits: int | None = None,
) -> Estimate:
    """What a run would touch and may cost; its maximum is bound by the column's spend limit
    left, ``max_credits`` and the balance."""
    return estimate(ws, table, get_column(ws, table, column), rows, max_credits=max_credits)


def has_run(ws: Workspace, table: LeadTable, column: str) -> bool:
    """Whether the column has ever run (a run dialog offers a new column a test run)."""
    store.ensure(ws)
    spec = get_column(ws, table, column)
    return (
        ws.db.execute(
            "SELECT 1 FROM runs WHERE table_id = ? AND column_id = ? LIMIT 1", (table.id, spec.id)
        ).fetchone()
        is not None
    )


def rows_to_run(ws: Workspace, table: LeadTable, column: str, rows: RowSelection) -> list[int]:
    """The ids of the rows a run over ``rows`` would call for, in the order it takes them."""
    return plan_rows(ws, table, get_column(ws, table, column), rows).to_run


def missing_keys(ws: Workspace, spec: ColumnSpec) -> list[str]:
    """Environment variables that live providers of this column need and do not have."""
    info = ACTIONS[spec.action]
    providers = dict.fromkeys(step.split(".", 1)[0] for step in info.step_costs(ws.settings, spec))
    missing = []
    for name in providers:
        settings = ws.settings.providers.get(name)
        if settings is not None and settings.mode == "live" and not settings.api_key:
            missing.append(settings.api_key_env or f"a key for {name}")
    return missing


async def run_column(
    ws: Workspace,
    table: LeadTable,
    column: str,
    rows: RowSelection,
    *,
    max_credits: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: asyncio.Event | None = None,
    trigger: Trigger = Trigger.CLI,
    **kwargs: object,
) -> RunSummary:
    """Run a column over a row set; refuses before any call if a live provider has no key.

    ``trigger`` says what started it (stored on the run: manual, cli or auto-update)."""
    spec = get_column(ws, table, column)
    missing = missing_keys(ws, spec)
    if missing:
        raise ClayError(
            f'{spec.name} cannot run: set {" and ".join(missing)} (or mode = "sandbox" for '
            "that provider in config.toml); nothing was called."
        )
    from clay_tui.enrich.runner import Runner  # imported when first needed: start-up

    return await Runner(
        ws,
        table,
        spec,
        rows,
        max_credits=max_credits,
        on_progress=on_progress,
        cancel=cancel,
        trigger=trigger,
        **kwargs,
    ).run()  # type: ignore[arg-type]


def run_info(ws: Workspace, table: LeadTable, column: str) -> RunInfo:
    return _run_info(ws, table, get_column(ws, table, column))


def cell_details(ws: Workspace, table: LeadTable, column: str, row_id: int) -> CellDetails:
    """One enrichment cell explained: value, state and why, every attempt and its credits.

    ``column`` is the enrichment column or one of its outputs; ``row_id`` a stable row id."""
    return _cell_details(ws, table, list_columns(ws, table), column, row_id)


def set_column_auto_update(ws: Workspace, table: LeadTable, column: str, on: bool) -> None:
    _columns.set_auto_update(ws, table, column, on)


def cell_statuses(ws: Workspace, table: LeadTable, column: str) -> dict[int, str]:
    """row id -> stored state ("found", "no data", "invalid", "error", "skipped", ...)."""
    return store.cell_states(ws, table.id, get_column(ws, table, column).id or -1)


def sync_results(ws: Workspace, table: LeadTable) -> int:
    """Bring the table's output columns level with the stored cells (call after opening)."""
    return _columns.sync_results(ws, table)


def reconcile_runs(ws: Workspace) -> int:
    """Release holds of crashed runs and mark their cells "interrupted"."""
    from clay_tui.credits.ledger import ledger_for

    store.ensure(ws)
    return reconcile(ws, ledger_for(ws))


# A run left by a dead process is reconciled first; a live run refuses these.
remove_column = after(reconcile_runs, _columns.remove_column)
"""Remove an enrichment column, its output columns and stored results (not undoable); its
ledger entries stay (spend history and reports keep the column's last name)."""
update_column = after(reconcile_runs, _columns.update_column)
"""Edit an enrichment column (omitted arguments stay; ``condition=None`` clears it,
``spend_limit=None`` lifts the limit); ``new_name`` renames it and its main output."""


async def run_auto_update(
    ws: Workspace,
    table: LeadTable,
    column: str,
    ids: tuple[int, ...],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: asyncio.Event | None = None,
    **kwargs: object,
) -> RunSummary:
    """An auto-update run of ``column`` on rows ``ids``: within the table's daily cap
    (``AutoUpdatePaused`` once it is spent, before any call), its spend counted against it."""
    spec = get_column(ws, table, column)

    async def run(
        ws_: Workspace, table_: LeadTable, spec_: ColumnSpec, rows: RowSelection, **kw: object
    ) -> RunSummary:
        return await run_column(ws_, table_, spec_.name, rows, **kw)  # type: ignore[arg-type]

    return await _auto.run_batch(
        ws, table, spec, ids, run=run, on_progress=on_progress, cancel=cancel, **kwargs
    )


def auto_update_state(ws: Workspace, table: LeadTable) -> AutoUpdateState:
    """What auto-update does on ``table``: its switch, each column's switch and trigger
    columns (inputs, condition), the most a new or edited row can cost, the daily cap."""
    return _auto.describe(ws, table)


def set_auto_update(
    ws: Workspace, table: LeadTable, on: bool, column: str | None = None
) -> AutoUpdateState:
    """Turn the table's auto-update switch (or one column's) on or off; returns the state."""
    from clay_tui.services.tables import set_table_auto_update

    if column is not None:
        _columns.set_auto_update(ws, table, get_column(ws, table, column).name, on)
    else:
        set_table_auto_update(ws, table, on)
    return _auto.describe(ws, table)
