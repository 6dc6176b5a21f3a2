"""Usage reports, Run Info numbers, recent entries and CSV export."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from credit_helpers import ctx

from clay_tui.credits import Ledger
from clay_tui.credits.reports import recent_entries, run_info_numbers, usage, write_csv
from clay_tui.errors import ClayError
from clay_tui.services import credits as svc


@pytest.fixture
def spent(workspace, clock) -> Ledger:
    """Two tables, three columns, two providers, two days, two runs, one refund."""
    ledger = Ledger(workspace)
    ledger.capture(ledger.reserve(2, "a", context=ctx(1, table=1, column=10, run=1)), 2)
    ledger.capture(ledger.reserve(2, "b", context=ctx(2, table=1, column=10, run=1)), 2)
    ledger.release(ledger.reserve(2, "c", context=ctx(3, table=1, column=10, run=1)))
    clock.advance(days=1)
    ledger.capture(
        ledger.reserve(10, "d", context=ctx(1, table=1, column=11, provider="prospeo", run=2)), 10
    )
    ledger.capture(ledger.reserve(2, "e", context=ctx(1, table=2, column=20, run=3)), 2)
    ledger.refund("b:capture", "invalid email")
    ledger.capture(ledger.reserve(2, "f", context=ctx(4, table=1, column=10, run=1)), 0)
    return ledger


def by_key(report) -> dict[str, tuple[int, int, int]]:
    return {r.key: (r.spent, r.refunded, r.charges) for r in report.rows}


def test_usage_by_each_grouping(spent: Ledger, workspace) -> None:
    db = workspace.db
    assert by_key(usage(db, "table")) == {"1": (14, 2, 3), "2": (2, 0, 1)}
    assert by_key(usage(db, "column")) == {"1/10": (4, 2, 2), "1/11": (10, 0, 1), "2/20": (2, 0, 1)}
    assert by_key(usage(db, "provider")) == {"hunter": (6, 2, 3), "prospeo": (10, 0, 1)}
    assert by_key(usage(db, "day")) == {"2026-11-15": (4, 0, 2), "2026-11-16": (12, 2, 2)}
    assert [r.key for r in usage(db, "day").rows] == ["2026-11-15", "2026-11-16"]  # by date
    assert by_key(usage(db, "run")) == {"1": (4, 2, 2), "2": (10, 0, 1), "3": (2, 0, 1)}
    report = usage(db, "table")
    assert (report.spent, report.refunded, report.net) == (16, 2, 14)
    # every credit that left the balance is in the report
    assert 2000 - spent.balance().available == report.net


def test_usage_filters_by_table_and_dates(spent: Ledger, workspace) -> None:
    db = workspace.db
    assert by_key(usage(db, "column", table_id=2)) == {"2/20": (2, 0, 1)}
    assert by_key(usage(db, "table", since=date(2026, 11, 16))) == {"1": (10, 2, 1), "2": (2, 0, 1)}
    assert by_key(usage(db, "table", until=date(2026, 11, 15))) == {"1": (4, 0, 2)}
    with pytest.raises(ClayError, match="empty"):
        usage(db, "table", since=date(2026, 11, 16), until=date(2026, 11, 15))
    with pytest.raises(ClayError, match="group usage by"):
        usage(db, "user")


def test_labels_use_table_and_column_names_when_known(spent: Ledger, workspace) -> None:
    db = workspace.db
    assert usage(db, "column").rows[0].label == "table 1 / column 11"
    db.execute("CREATE TABLE tables (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE enrich_columns (id INTEGER PRIMARY KEY, table_id INT, name TEXT)")
    db.execute("INSERT INTO tables VALUES (1, 'leads'), (2, 'accounts')")
    db.execute("INSERT INTO enrich_columns VALUES (10, 1, 'Work email'), (11, 1, 'Mobile')")
    labels = {r.key: r.label for r in usage(db, "column").rows}
    assert labels == {
        "1/11": "leads / Mobile",
        "1/10": "leads / Work email",
        "2/20": "accounts / column 20",
    }
    db.execute(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, table_id INT, column_id INT,"
        " started_at TEXT, status TEXT, pid INT)"
    )
    db.execute("INSERT INTO runs VALUES (1, 1, 10, '2026-11-15T12:00:00', 'done', 1)")
    labels = {r.key: r.label for r in usage(db, "run").rows}
    assert labels == {"1": "run 1: leads / Work email, 2026-11-15", "2": "run 2", "3": "run 3"}
    assert svc.resolve_table_id(workspace, "accounts") == 2
    assert svc.resolve_table_id(workspace, "7") == 7
    with pytest.raises(ClayError, match="No table named"):
        svc.resolve_table_id(workspace, "nope")


def test_csv_export(spent: Ledger, workspace, tmp_path) -> None:
    out = write_csv(usage(workspace.db, "provider"), tmp_path / "out" / "usage.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["provider", "label", "spent", "refunded", "net", "charges", "refunds"]
    assert rows[1] == ["prospeo", "prospeo", "10", "0", "10", "1", "0"]
    assert rows[-1][:5] == ["total", "", "16", "2", "14"]
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ClayError, match="Cannot write"):
        write_csv(usage(workspace.db, "day"), tmp_path / "a-file" / "usage.csv")


def test_run_info_numbers(spent: Ledger, workspace, clock) -> None:
    spent.reserve(2, "open", context=ctx(9, table=1, column=10, run=4))
    n = run_info_numbers(workspace.db, 1, 10)
    assert (n.spent, n.refunded, n.net, n.reserved, n.charged_calls) == (4, 2, 2, 2, 2)
    assert [(p.provider, p.spent, p.refunded, p.charged_calls) for p in n.providers] == [
        ("hunter", 4, 2, 2)
    ]
    assert n.last_charge_at.startswith("2026-11-15")
    assert svc.run_info_numbers(workspace, 1, 11).last_charge_at.startswith("2026-11-16")
    empty = svc.run_info_numbers(workspace, 5, 5)
    assert (empty.spent, empty.providers, empty.last_charge_at) == (0, [], None)


def test_recent_entries_hide_holds_unless_asked(spent: Ledger, workspace) -> None:
    entries = recent_entries(workspace.db, 3)
    assert [e.kind for e in entries] == ["capture", "refund", "capture"]
    assert {e.kind for e in recent_entries(workspace.db, 100, include_holds=True)} >= {
        "reserve",
        "release",
    }


def test_summary_and_overview_agree_with_the_ledger(spent: Ledger, workspace) -> None:
    total = workspace.db.execute("SELECT SUM(amount) FROM ledger").fetchone()[0]
    summary = svc.credits_summary(workspace)
    assert (summary.available, summary.source, summary.low) == (total, "ledger", False)
    overview = svc.plan_overview(workspace)
    assert overview.balance.available == total
    assert overview.as_dict()["next_renewal"]["on"] == "2026-12-01"
    svc.buy_credits(workspace, "1,000")
    assert svc.credits_summary(workspace).available == total + 1000
    for bad in ("-5", "abc", "0", ""):
        with pytest.raises(ClayError, match="positive whole number"):
            svc.buy_credits(workspace, bad)
