"""The runner against fake adapters: waterfall order, charges, refunds, caps, cancel, recovery."""

from __future__ import annotations

import asyncio
import os

import pytest

from clay_tui.credits import SpendContext
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError
from clay_tui.providers.registry import Providers
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich
from tests.conftest import second_connection
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table

INPUTS = {"first_name": "first_name", "last_name": "last_name", "domain": "domain"}


@pytest.fixture
def ws(tmp_path, clock, workspace_backend):
    w = make_ws(tmp_path, clock, target=workspace_backend)
    yield w
    w.close()


def email_column(ws, table, **kw) -> ColumnSpec:
    spec = ColumnSpec(
        name="Work Email",
        action="find_work_email",
        inputs=dict(INPUTS),
        outputs={"email": "Work Email", "provider": "Email Provider"},
        **kw,
    )
    return enrich.add_column(ws, table, spec)


async def run(ws, table, column="Work Email", rows=None, **kw):
    providers = Providers(ws.settings, sandbox_url="http://127.0.0.1:9")
    try:
        return await enrich.run_column(
            ws, table, column, rows or enrich.RowSelection("all"), providers=providers, **kw
        )
    finally:
        await providers.aclose()


def cells(ws, table):
    return {
        r["row_id"]: dict(r)
        for r in ws.db.execute(
            "SELECT * FROM cells WHERE table_id = ? ORDER BY row_id", (table.id,)
        )
    }


def available(ws) -> int:
    return credits_svc.balance(ws).available


def assert_books_balance(ws) -> None:
    report = credits_svc.verify_credits(ws, repair=False)
    assert all(c.ok for c in report.checks), report.checks
    assert credits_svc.balance(ws).reserved == 0


async def test_waterfall_order_and_stop_at_first_valid(ws, tmp_path, monkeypatch):
    world = FakeWorld(
        {
            "ann": {"prospeo": "valid", "hunter": "valid"},
            "bob": {"prospeo": "none", "hunter": "valid"},
        }
    )
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["ann", "bob"])
    email_column(ws, table)
    start = available(ws)
    summary = await run(ws, table)
    assert summary.counts == {"found": 2}
    assert world.finder_calls("prospeo") == ["ann", "bob"]
    assert world.finder_calls("hunter") == ["bob"]  # ann stopped at prospeo's valid email
    # ann: prospeo 2 + verify 1; bob: prospeo no data (free) + hunter 2 + verify 1
    assert summary.credits == 6 and start - available(ws) == 6
    got = cells(ws, table)
    assert [c["provider"] for c in got.values()] == ["prospeo", "hunter"]
    assert [c["credits"] for c in got.values()] == [3, 3]
    assert table.frame.get_column("Work Email").to_list() == [
        "ann.valid.prospeo@example.com",
        "bob.valid.hunter@example.com",
    ]
    assert_books_balance(ws)


async def test_refund_when_validation_rejects_and_waterfall_moves_on(ws, tmp_path, monkeypatch):
    world = FakeWorld(
        {
            "cat": {"prospeo": "invalid", "hunter": "valid"},
            "dan": {"prospeo": "invalid", "hunter": "invalid"},
        }
    )
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["cat", "dan"])
    email_column(ws, table)
    start = available(ws)
    summary = await run(ws, table)
    assert summary.counts == {"found": 1, "invalid": 1}
    # cat: prospeo 2 refunded, verify 1, hunter 2, verify 1 -> 4; dan: both refunded, 2 verifies
    assert start - available(ws) == 6
    assert summary.refunded == 6
    refunds = ws.db.execute(
        "SELECT COUNT(*), SUM(amount) FROM ledger WHERE kind = 'refund'"
    ).fetchone()
    assert tuple(refunds) == (3, 6)
    got = cells(ws, table)
    assert got[1]["credits"] == 4 and got[2]["credits"] == 2
    assert got[2]["status"] == "invalid" and got[2]["value"] is None
    info = enrich.run_info(ws, table, "Work Email")
    assert info.credits_spent == 6 and info.refunds == 6 and info.invalid == 1
    assert_books_balance(ws)


async def test_catch_all_invalid_unless_the_column_accepts_it(ws, tmp_path, monkeypatch):
    world = FakeWorld({"eve": {"prospeo": "catch_all", "hunter": "none"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["eve"])
    email_column(ws, table)
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Email (catch-all ok)",
            action="find_work_email",
            inputs=dict(INPUTS),
            accept_catch_all=True,
        ),
    )
    assert (await run(ws, table)).counts == {"invalid": 1}
    assert (await run(ws, table, "Email (catch-all ok)")).counts == {"found": 1}
    assert table.row(1)["Email (catch-all ok)"] == "eve.catch_all.prospeo@example.com"


async def test_errors_are_free_and_recorded(ws, tmp_path, monkeypatch):
    world = FakeWorld({"fay": {"prospeo": "error", "hunter": "none"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["fay"])
    email_column(ws, table)
    start = available(ws)
    summary = await run(ws, table)
    assert summary.counts == {"error": 1} and available(ws) == start
    assert "server failed" in cells(ws, table)[1]["error"]
    assert enrich.run_info(ws, table, "Work Email").recent_errors
    # --failed picks it up again
    world.finders["fay"]["prospeo"] = "valid"
    summary = await run(ws, table, rows=enrich.RowSelection("failed"))
    assert summary.counts == {"found": 1}


async def test_condition_and_missing_input_cost_nothing(ws, tmp_path, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in ("gus", "hal", "ivy")})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["gus", "hal", "ivy"], extra={"score": ["90", "10", "95"]})
    table.set_cell(3, "domain", None)
    email_column(ws, table, condition="score > 50")
    summary = await run(ws, table)
    assert summary.counts == {"found": 1, "skipped": 1, "missing input": 1}
    got = cells(ws, table)
    assert got[2]["status"] == "skipped" and got[2]["error"] == "Run condition not met."
    assert got[3]["status"] == "missing input" and "domain" in got[3]["error"]
    assert world.finder_calls("prospeo") == ["gus"]
    assert summary.credits == 3


async def test_stored_cells_are_not_run_again_unless_forced(ws, tmp_path, monkeypatch):
    world = FakeWorld({n: {"prospeo": "valid"} for n in ("a1", "a2", "a3")})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["a1", "a2", "a3"])
    email_column(ws, table)
    first = await run(ws, table, rows=enrich.RowSelection("first", limit=2))
    assert first.counts == {"found": 2}
    spent = available(ws)
    rest = await run(ws, table, rows=enrich.RowSelection("not_run"))
    assert rest.counts == {"found": 1} and spent - available(ws) == 3
    again = await run(ws, table)
    assert again.counts == {} and again.already_done == 3 and again.credits == 0
    forced = await run(ws, table, rows=enrich.RowSelection("ids", ids=(1,), force=True))
    assert forced.counts == {"found": 1} and forced.credits == 3
    assert len(world.finder_calls("prospeo")) == 4


async def test_out_of_credits_mid_run(tmp_path, clock, monkeypatch):
    ws = make_ws(tmp_path, clock, plan_credits=10)
    names = [f"p{i}" for i in range(8)]
    world = FakeWorld({n: {"prospeo": "valid"} for n in names})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    summary = await run(ws, table)
    assert summary.status == "out of credits" and "Not enough credits" in summary.message
    found = summary.counts.get("found", 0)
    assert found == 3 and summary.counts["not enough credits"] == 5
    assert available(ws) == 1 and summary.credits == 9
    assert_books_balance(ws)
    # after topping up, "rows not yet run" finishes the job
    credits_svc.buy_credits(ws, 100)
    rest = await run(ws, table, rows=enrich.RowSelection("not_run"))
    assert rest.counts == {"found": 5}
    ws.close()


async def test_max_credits_caps_the_run(ws, tmp_path, monkeypatch):
    names = [f"q{i}" for i in range(6)]
    FakeWorld({n: {"prospeo": "valid"} for n in names}).install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    summary = await run(ws, table, max_credits=7)
    assert summary.credits <= 7 and summary.counts["found"] == 2
    assert summary.counts["spend limit"] == 4 and summary.stopped_by == "run"  # a cap, not
    assert summary.status == "spend limit"  # an empty balance (2,000 credits are left)
    assert_books_balance(ws)
    info = enrich.run_info(ws, table, "Work Email")
    assert (info.rows_run, info.percent_run) == (2, round(100 * 2 / 6, 1))  # 4 never ran


async def test_cancel_starts_no_new_call_and_records_in_flight(ws, tmp_path, monkeypatch):
    names = [f"c{i}" for i in range(40)]
    world = FakeWorld({n: {"prospeo": "valid"} for n in names})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    cancel = asyncio.Event()
    calls_at_cancel: list[int] = []

    def hook(provider, action, key):  # noqa: ANN001
        if len(world.calls) == 12 and not cancel.is_set():
            cancel.set()
            calls_at_cancel.append(len(world.calls))

    world.on_call = hook
    summary = await run(ws, table, cancel=cancel)
    assert summary.status == "cancelled"
    assert len(world.calls) == 12  # nothing started after the stop
    assert summary.counts["cancelled"] >= 30
    assert sum(summary.counts.values()) == 40
    assert_books_balance(ws)


async def test_waterfall_is_pipelined(ws, tmp_path, monkeypatch):
    """Rows waiting on Hunter never hold up Prospeo."""
    names = [f"w{i}" for i in range(30)]
    world = FakeWorld({n: {"prospeo": "none", "hunter": "valid"} for n in names})
    world.install(monkeypatch)
    world.gates["hunter"] = asyncio.Event()
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    task = asyncio.create_task(run(ws, table))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(world.finder_calls("prospeo")) == 30:
            break
    assert len(world.finder_calls("prospeo")) == 30  # all of them while Hunter is blocked
    world.gates["hunter"].set()
    summary = await task
    assert summary.counts == {"found": 30}


async def test_attempt_is_durable_before_the_call(ws, tmp_path, monkeypatch):
    world = FakeWorld({"zed": {"prospeo": "valid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["zed"])
    email_column(ws, table)
    seen: list[tuple] = []
    other = second_connection(ws)  # another connection sees only committed rows

    def hook(provider, action, key):  # noqa: ANN001
        seen.append(
            other.execute(
                "SELECT state, provider, op, amount FROM attempts WHERE op = ?", (action,)
            ).fetchone()
        )
        seen.append(other.execute("SELECT COUNT(*) FROM ledger WHERE kind = 'reserve'").fetchone())

    world.on_call = hook
    await run(ws, table)
    other.close()
    # the finder's hold covers the verification that follows it (both before the first call)
    assert seen[0] == ("started", "prospeo", "email_finder", 2) and seen[1][0] == 2
    assert seen[2] == ("started", "hunter", "email_verifier", 1)
    assert ws.db.execute("SELECT COUNT(*) FROM attempts WHERE state = 'settled'").fetchone()[0] == 2


async def test_crashed_run_is_reconciled_and_never_charged_twice(ws, tmp_path, monkeypatch):
    world = FakeWorld({"kim": {"prospeo": "valid"}, "lee": {"prospeo": "valid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["kim", "lee"])
    spec = email_column(ws, table)
    await run(ws, table, rows=enrich.RowSelection("first", limit=1))
    before = available(ws)
    # a "crashed" run: its process is gone, an attempt for row 2 was committed, no outcome
    dead_pid = 2**22 + 12345
    assert not os.path.exists(f"/proc/{dead_pid}")
    ledger = credits_svc.ledger_for(ws)
    with ws.transaction():
        run_id = ws.db.execute(
            "INSERT INTO runs (table_id, column_id, status, pid) VALUES (?,?,?,?) RETURNING id",
            (table.id, spec.id, "running", dead_pid),
        ).fetchone()[0]
        key = f"crash-{run_id}"
        ledger.reserve(2, key, context=SpendContext(table.id, spec.id, 2, "prospeo", run_id))
        ws.db.execute(
            "INSERT INTO attempts (key, table_id, column_id, row_id, run_id, step, provider, op,"
            " amount, state) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, table.id, spec.id, 2, run_id, 0, "prospeo", "email_finder", 2, "started"),
        )
    assert available(ws) == before - 2
    assert enrich.reconcile_runs(ws) == 1
    assert available(ws) == before
    assert cells(ws, table)[2]["status"] == "interrupted"
    summary = await run(ws, table, rows=enrich.RowSelection("not_run"))
    assert summary.counts == {"found": 1}
    assert world.finder_calls("prospeo") == ["kim", "lee"]  # kim never called twice
    assert_books_balance(ws)


async def test_concurrent_run_of_the_same_column_is_refused(ws, tmp_path, monkeypatch):
    FakeWorld({"x": {"prospeo": "valid"}}).install(monkeypatch)
    table = people_table(ws, tmp_path, ["x"])
    spec = email_column(ws, table)
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO runs (table_id, column_id, status, pid) VALUES (?,?,?,?)",
            (table.id, spec.id, "running", os.getppid()),
        )
    with pytest.raises(ClayError, match="already running"):
        await run(ws, table)


async def test_progress_events(ws, tmp_path, monkeypatch):
    names = [f"r{i}" for i in range(5)]
    FakeWorld({n: {"prospeo": "valid"} for n in names}).install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    events = []
    await run(ws, table, on_progress=events.append)
    last = events[-1]
    assert last.finished and last.done == last.total == 5
    assert last.counts == {"found": 5} and last.credits == 15


async def test_column_spend_limit_is_a_cap(ws, tmp_path, monkeypatch):
    names = [f"s{i}" for i in range(4)]
    FakeWorld({n: {"prospeo": "valid"} for n in names}).install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    email_column(ws, table, spend_limit=7)
    first = await run(ws, table)
    # cells a spend limit stops say so: before, "not enough credits" with credits to spare
    assert first.counts == {"found": 2, "spend limit": 2}
    assert first.status == "spend limit" and first.stopped_by == "column"
    assert "spend limit" in first.message
    again = await run(ws, table, rows=enrich.RowSelection("not_run"))  # limit spans runs
    assert again.counts == {"spend limit": 2} and again.credits == 0
    assert enrich.cell_statuses(ws, table, "Work Email") == {
        1: "found",
        2: "found",
        3: "spend limit",
        4: "spend limit",
    }
    info = enrich.run_info(ws, table, "Work Email")
    assert (info.spend_limit, info.spend_limit_used, info.spend_limit_left) == (7, 6, 1)
    failed = enrich.estimate_run(ws, table, "Work Email", enrich.RowSelection("failed"))
    assert failed.rows_to_run == 2  # "failed rows" re-runs them once the limit is raised
    assert_books_balance(ws)


async def test_where_and_ids_row_sets(ws, tmp_path, monkeypatch):
    names = [f"t{i}" for i in range(5)]
    world = FakeWorld({n: {"prospeo": "valid"} for n in names})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, names, extra={"n": ["1", "2", "3", "4", "5"]})
    email_column(ws, table)
    s = await run(ws, table, rows=enrich.RowSelection("where", where="n >= 4"))
    assert s.counts == {"found": 2} and world.finder_calls("prospeo") == ["t3", "t4"]
    s = await run(ws, table, rows=enrich.RowSelection("ids", ids=(2, 99)))
    assert s.counts == {"found": 1} and s.rows_selected == 1
    with pytest.raises(ClayError, match="names a column the table does not have"):
        await run(ws, table, rows=enrich.RowSelection("where", where="nope = 1"))


async def test_a_cancelled_task_leaves_nothing_open(ws, tmp_path, monkeypatch):
    """The TUI may cancel the run's asyncio task outright: holds are released at once."""
    names = [f"u{i}" for i in range(10)]
    world = FakeWorld({n: {"prospeo": "valid"} for n in names})
    world.install(monkeypatch)
    world.gates["prospeo"] = asyncio.Event()  # calls hang
    table = people_table(ws, tmp_path, names)
    email_column(ws, table)
    task = asyncio.create_task(run(ws, table))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(world.calls) == 10:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_books_balance(ws)
    assert set(enrich.cell_statuses(ws, table, "Work Email").values()) == {"interrupted"}
    status = ws.db.execute("SELECT status FROM runs").fetchone()[0]
    assert status == "interrupted"


async def test_verify_column_stores_every_verdict_as_its_value(ws, tmp_path, monkeypatch):
    FakeWorld({}).install(monkeypatch)
    table = people_table(
        ws,
        tmp_path,
        ["a", "b", "c"],
        extra={
            "email": [
                "a.valid.x@example.com",
                "b.invalid.x@example.com",
                "c.catch_all.x@example.com",
            ]
        },
    )
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Verdict",
            action="verify_email",
            inputs={"email": "email"},
            outputs={"status": "Verdict"},
        ),
    )
    start = available(ws)
    assert (await run(ws, table, "Verdict")).counts == {"found": 3}
    assert [table.row(i)["Verdict"] for i in (1, 2, 3)] == ["valid", "invalid", "accept_all"]
    info = enrich.run_info(ws, table, "Verdict")
    assert info.refunds == 0 and info.invalid == 0
    assert start - available(ws) == 3  # every check was made, and each costs 1
    assert_books_balance(ws)
