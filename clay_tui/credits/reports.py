"""Where the credits went: spend by table, column, provider, day or run; Run Info numbers; CSV.

Spend is what captures charged; refunds are reported beside it, so ``net = spent - refunded``.
Table and column names come from the table core's ``tables`` and the engine's
``enrich_columns`` when those exist; otherwise reports show ids.
"""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from clay_tui.credits.types import Entry
from clay_tui.errors import ClayError
from clay_tui.workspace import backend

NO_MEMBER = "(no member)"  # entries made before they named their member
GROUPINGS = ("table", "column", "provider", "day", "run", "member")

_KEYS = {
    "table": ("table_id",),
    "column": ("table_id", "column_id"),
    "provider": ("provider",),
    "day": ("substr(at, 1, 10)",),
    "run": ("run_id",),
    "member": ("member",),
}


@dataclass(frozen=True)
class UsageRow:
    key: str
    label: str
    spent: int
    refunded: int
    net: int
    charges: int
    refunds: int
    trigger: str | None = None  # by run: manual | cli | auto-update ("" for older runs)
    rows: str | None = None  # by run: the row set it ran on ("first 10 rows")

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class UsageReport:
    by: str
    since: date | None
    until: date | None
    table_id: int | None
    rows: list[UsageRow] = field(default_factory=list)

    @property
    def spent(self) -> int:
        return sum(r.spent for r in self.rows)

    @property
    def refunded(self) -> int:
        return sum(r.refunded for r in self.rows)

    @property
    def net(self) -> int:
        return self.spent - self.refunded

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
            "table_id": self.table_id,
            "spent": self.spent,
            "refunded": self.refunded,
            "net": self.net,
            "rows": [r.as_dict() for r in self.rows],
        }


@dataclass(frozen=True)
class ProviderNumbers:
    provider: str
    spent: int
    refunded: int
    charged_calls: int


@dataclass(frozen=True)
class RunInfoNumbers:
    """The credit side of a column's Run Info."""

    spent: int
    refunded: int
    net: int
    reserved: int
    charged_calls: int
    providers: list[ProviderNumbers]
    last_charge_at: str | None


_SPENT = "SUM(CASE WHEN kind = 'capture' THEN -amount ELSE 0 END)"
_REFUNDED = "SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END)"


def has_table(db: sqlite3.Connection, name: str) -> bool:
    return backend.has_table(db, name)  # sqlite_master or information_schema


def table_columns(db: sqlite3.Connection, name: str) -> set[str]:
    return backend.table_columns(db, name)


def names(db: sqlite3.Connection) -> tuple[dict[int, str], dict[int, str]]:
    """(table id -> name, column id -> name), from whatever of T's and E's tables exist."""
    return _names(db, "tables"), _names(db, "enrich_columns")


def where_label(entry: Entry, tables: dict[int, str], columns: dict[int, str]) -> str:
    """Where an entry's credits went, in words: ``leads / Work email row 12 (hunter)``."""
    if entry.table_id is None:
        return ""
    text = tables.get(entry.table_id, f"table {entry.table_id}")
    if entry.column_id is not None:
        text += " / " + columns.get(entry.column_id, f"column {entry.column_id}")
    if entry.row_id is not None:
        text += f" row {entry.row_id}"
    if entry.provider:
        text += f" ({entry.provider})"
    return text


def _names(db: sqlite3.Connection, table: str) -> dict[int, str]:
    if not has_table(db, table) or not {"id", "name"} <= table_columns(db, table):
        return {}
    return {int(r[0]): str(r[1]) for r in db.execute(f"SELECT id, name FROM {table}")}


def _range(since: date | None, until: date | None) -> tuple[str, list[Any]]:
    if since and until and since > until:
        raise ClayError(
            f"The date range is empty: {since.isoformat()} is after {until.isoformat()}."
        )
    where, params = "", []
    if since:
        where += " AND at >= ?"
        params.append(since.isoformat())
    if until:
        where += " AND at < ?"
        params.append((until + timedelta(days=1)).isoformat())
    return where, params


def usage(
    db: sqlite3.Connection,
    by: str,
    *,
    table_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> UsageReport:
    """Spend and refunds grouped ``by`` table|column|provider|day|run, biggest spend first."""
    if by not in GROUPINGS:
        raise ClayError(f"Cannot group usage by {by!r}; use one of {', '.join(GROUPINGS)}.")
    keys = _KEYS[by]
    if by == "member" and "member" not in table_columns(db, "ledger"):
        keys = ("NULL",)  # a ledger from before members (its migration not yet applied)
    where, params = _range(since, until)
    if table_id is not None:
        where += " AND table_id = ?"
        params.append(table_id)
    group = ", ".join(f"k{i}" for i in range(len(keys)))
    # PostgreSQL takes no output names inside HAVING or ORDER BY expressions: spelled out
    spent, refunded = _SPENT, _REFUNDED
    order = group if by == "day" else f"{spent} - {refunded} DESC, {group}"  # days in order
    cols = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
    rows = db.execute(
        f"SELECT {cols},"
        f" {spent} AS spent,"
        f" {refunded} AS refunded,"
        " SUM(CASE WHEN kind = 'capture' AND part = 0 AND amount < 0 THEN 1 ELSE 0 END) AS charges,"
        " SUM(CASE WHEN kind = 'refund' AND part = 0 THEN 1 ELSE 0 END) AS refunds"
        f" FROM ledger WHERE kind IN ('capture', 'refund'){where}"
        f" GROUP BY {group} HAVING {spent} > 0 OR {refunded} > 0"
        f" ORDER BY {order}",
        params,
    ).fetchall()
    tables = _names(db, "tables") if by in ("table", "column", "run") else {}
    columns = _names(db, "enrich_columns") if by in ("column", "run") else {}
    runs = _runs(db, tables, columns) if by == "run" else {}
    started = _run_starts(db) if by == "run" else {}
    out = []
    for r in rows:
        ident = tuple(r[f"k{i}"] for i in range(len(keys)))
        trigger, row_set = started.get(ident[0], ("", "")) if by == "run" else (None, None)
        out.append(
            UsageRow(
                key="/".join("" if v is None else str(v) for v in ident),
                label=runs.get(ident[0], "") or _label(by, ident, tables, columns),
                trigger=trigger,
                rows=row_set,
                spent=r["spent"],
                refunded=r["refunded"],
                net=r["spent"] - r["refunded"],
                charges=r["charges"],
                refunds=r["refunds"],
            )
        )
    return UsageReport(by, since, until, table_id, out)


def _runs(
    db: sqlite3.Connection, tables: dict[int, str], columns: dict[int, str]
) -> dict[int, str]:
    """run id -> "run 3: leads / Work email, 2026-11-25" from the engine's ``runs``."""
    if not has_table(db, "runs") or not {"id", "table_id", "column_id", "started_at"} <= (
        table_columns(db, "runs")
    ):
        return {}
    out = {}
    for r in db.execute("SELECT id, table_id, column_id, started_at FROM runs"):
        table = tables.get(r[1], f"table {r[1]}")
        column = columns.get(r[2], f"column {r[2]}")
        out[int(r[0])] = f"run {r[0]}: {table} / {column}, {(r[3] or '')[:10]}".rstrip(", ")
    return out


def _run_starts(db: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """run id -> (what started it, the rows it ran on), where the engine's ``runs`` has them."""
    if not has_table(db, "runs") or not {"id", "trigger", "row_set"} <= table_columns(db, "runs"):
        return {}
    return {
        int(r[0]): (r[1] or "", r[2] or "")
        for r in db.execute("SELECT id, trigger, row_set FROM runs")
    }


def _label(by: str, ident: tuple[Any, ...], tables: dict[int, str], columns: dict[int, str]) -> str:
    def name(mapping: dict[int, str], value: Any, what: str) -> str:
        if value is None:
            return f"(no {what})"
        return mapping.get(int(value), f"{what} {value}")

    if by == "table":
        return name(tables, ident[0], "table")
    if by == "column":
        return f"{name(tables, ident[0], 'table')} / {name(columns, ident[1], 'column')}"
    if by == "run":
        return "(no run)" if ident[0] is None else f"run {ident[0]}"
    if by == "provider":
        return ident[0] or "(no provider)"
    if by == "member":
        return ident[0] or NO_MEMBER
    return str(ident[0])


def run_text(row: UsageRow) -> str:
    """By run: "cli · first 10 rows" (what started it, then its rows; "" when unknown)."""
    return " · ".join(t for t in (row.trigger, row.rows) if t)


def label_runs_with_trigger(report: UsageReport) -> UsageReport:
    rows = [
        replace(r, label=f"{r.label} · {run_text(r)}") if run_text(r) else r for r in report.rows
    ]
    return replace(report, rows=rows)


def csv_header(report: UsageReport) -> list[str]:
    extra = ["trigger", "rows"] if report.by == "run" else []
    return [report.by, "label", *extra, "spent", "refunded", "net", "charges", "refunds"]


def csv_row(report: UsageReport, r: UsageRow) -> list[Any]:
    extra = [r.trigger or "", r.rows or ""] if report.by == "run" else []
    return [r.key, r.label, *extra, r.spent, r.refunded, r.net, r.charges, r.refunds]


def write_csv(report: UsageReport, path: Path) -> Path:
    """Write the report as CSV (one row per group, then a total row)."""
    path = Path(path).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(csv_header(report))
            for r in report.rows:
                w.writerow(csv_row(report, r))
            w.writerow(
                [
                    "total",
                    "",
                    *(["", ""] if report.by == "run" else []),
                    report.spent,
                    report.refunded,
                    report.net,
                    sum(r.charges for r in report.rows),
                    sum(r.refunds for r in report.rows),
                ]
            )
    except OSError as exc:
        raise ClayError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return path


def run_info_numbers(db: sqlite3.Connection, table_id: int, column_id: int) -> RunInfoNumbers:
    rows = db.execute(
        "SELECT provider,"
        " SUM(CASE WHEN kind = 'capture' THEN -amount ELSE 0 END) AS spent,"
        " SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) AS refunded,"
        " SUM(CASE WHEN kind = 'capture' AND part = 0 AND amount < 0 THEN 1 ELSE 0 END) AS calls,"
        " SUM(CASE WHEN kind IN ('reserve', 'release') THEN -amount ELSE 0 END) AS held,"
        " MAX(CASE WHEN kind = 'capture' AND amount < 0 THEN at END) AS last_at"
        " FROM ledger WHERE table_id = ? AND column_id = ?"
        " AND kind IN ('reserve', 'release', 'capture', 'refund')"
        " GROUP BY provider ORDER BY provider",
        (table_id, column_id),
    ).fetchall()
    providers = [
        ProviderNumbers(r["provider"] or "(none)", r["spent"], r["refunded"], r["calls"])
        for r in rows
        if r["spent"] or r["refunded"] or r["calls"]
    ]
    spent = sum(r["spent"] for r in rows)
    refunded = sum(r["refunded"] for r in rows)
    last = max((r["last_at"] for r in rows if r["last_at"]), default=None)
    return RunInfoNumbers(
        spent,
        refunded,
        spent - refunded,
        sum(r["held"] for r in rows),
        sum(r["calls"] for r in rows),
        providers,
        last,
    )


def column_spend_by_member(db: sqlite3.Connection, table_id: int, column_id: int) -> dict[str, int]:
    """A column's net credits (captures less refunds) per member who spent them; entries from
    before members are under "(no member)". Adds up to Run Info's ``net``."""
    if "member" not in table_columns(db, "ledger"):
        return {}
    rows = db.execute(
        f"SELECT member, {_SPENT} - {_REFUNDED} AS net FROM ledger"
        " WHERE table_id = ? AND column_id = ? AND kind IN ('capture', 'refund')"
        " GROUP BY member ORDER BY member",
        (table_id, column_id),
    ).fetchall()
    return {r["member"] or NO_MEMBER: int(r["net"]) for r in rows}


def recent_entries(
    db: sqlite3.Connection, limit: int = 20, *, include_holds: bool = False
) -> list[Entry]:
    """The newest entries, newest first (holds and their settlements hidden unless asked)."""
    where = "" if include_holds else " WHERE kind NOT IN ('reserve', 'release')"
    rows = db.execute(
        "SELECT id, at, kind, amount, bucket, key, note, table_id, column_id, row_id, provider,"
        f" run_id, action FROM ledger{where} ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [Entry(**dict(r)) for r in rows]
