"""Every run says what started it (manual, cli, auto-update), in the runs table, Run Info
and usage by run; auto-update runs describe their rows honestly."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.enrich import store
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()

VERIFY = ColumnSpec(name="Verified", action="verify_email", inputs={"email": "email"})
RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"


def _runs(ws) -> list[sqlite3.Row]:
    return ws.db.execute("SELECT * FROM runs ORDER BY id").fetchall()


async def test_service_runs_record_their_trigger(sbx_ws, leads):
    enrich.add_column(sbx_ws, leads, VERIFY)
    await enrich.run_column(
        sbx_ws,
        leads,
        "Verified",
        enrich.RowSelection("first", limit=3),
        trigger=enrich.Trigger.MANUAL,
    )
    await enrich.run_column(sbx_ws, leads, "Verified", enrich.RowSelection("first", limit=5))
    runs = _runs(sbx_ws)
    assert [r["trigger"] for r in runs] == ["manual", "cli"]
    info = enrich.run_info(sbx_ws, leads, "Verified")
    assert info.last_run_trigger == "cli"
    assert info.last_run_rows == "first 5 rows to run"


async def test_auto_update_runs_are_labelled_and_describe_their_rows(sbx_ws, leads):
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(sbx_ws, leads, VERIFY)
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    leads.set_cell(1, "email", "someone@acme.example")
    for _ in range(100):
        await asyncio.sleep(0.02)
        if updater.summaries and not updater._pending:
            break
    updater.detach()
    assert not updater.errors
    (run,) = _runs(sbx_ws)
    assert run["trigger"] == "auto-update"
    assert run["row_set"] == "1 row added or edited"
    assert "forced" not in run["row_set"] and "selected" not in run["row_set"]
    report = credits_svc.usage_report(sbx_ws, "run")
    assert all(r.trigger == "auto-update" for r in report.rows)


def test_old_workspace_gains_the_trigger_column(tmp_path, clock, sandbox_url):
    from tests.unit.enrich.conftest import make_ws

    ws = make_ws(tmp_path, clock)
    # a runs table from before triggers existed
    ws.db.execute(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL,"
        " column_id INTEGER NOT NULL, started_at TEXT, finished_at TEXT,"
        " status TEXT NOT NULL, row_set TEXT, max_credits INTEGER, pid INTEGER,"
        " rows INTEGER, credits INTEGER, sandbox INTEGER)"
    )
    ws.db.execute("INSERT INTO runs (table_id, column_id, status) VALUES (1, 1, 'finished')")
    store._MIGRATED.discard(ws)
    store.ensure(ws)
    cols = {r[1] for r in ws.db.execute("PRAGMA table_info(runs)")}
    assert "trigger" in cols
    assert ws.db.execute("SELECT trigger FROM runs").fetchone()[0] is None
    ws.close()


@pytest.fixture
def invoke(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert run("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return run


def test_usage_by_run_shows_the_trigger_in_json_and_csv(invoke) -> None:
    assert invoke("add-column", "leads", "--recipe", str(RECIPE)).exit_code == 0
    ran = invoke("run", "leads", "Work Email", "--limit", "10", "--yes")
    assert ran.exit_code == 0, ran.output
    out = invoke("usage", "--by", "run", "--json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["rows"]
    assert rows and all(r["trigger"] == "cli" for r in rows)
    assert all(r["rows"] == "first 10 rows to run" for r in rows)
    text = invoke("usage", "--by", "run", "--csv")
    table = list(csv.DictReader(io.StringIO(text.stdout)))
    assert table[0]["trigger"] == "cli"
    info = invoke("run-info", "leads", "Work Email")
    assert "started by cli" in info.stdout
    last = json.loads(invoke("run-info", "leads", "Work Email", "--json").stdout)
    found = last["last_run_counts"]["found"]
    assert f"{found} found" in info.stdout  # what the last run did, not only its status


async def test_a_stopped_run_records_what_it_charged_and_stored(tmp_path, clock, monkeypatch):
    """A run stopped mid-call said only "cancelled" though it charged and stored results: the
    run now keeps its counts, Run Info shows them with the credits, and a cell stopped after a
    finder found something (before its check) says so."""
    from clay_tui.providers.registry import Providers
    from tests.unit.enrich.conftest import make_ws
    from tests.unit.enrich.fakes import FakeWorld, people_table

    ws = make_ws(tmp_path, clock)
    names = [f"c{i}" for i in range(20)]
    world = FakeWorld({n: {"prospeo": "valid"} for n in names})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, names)
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Work Email",
            action="find_work_email",
            inputs={"first_name": "first_name", "last_name": "last_name", "domain": "domain"},
        ),
    )
    cancel = asyncio.Event()

    def hook(provider, action, key):  # noqa: ANN001
        if len(world.calls) == 12:
            cancel.set()  # the 12th call (a finder) is in flight: it finishes, nothing new starts

    world.on_call = hook
    providers = Providers(ws.settings, sandbox_url="http://127.0.0.1:9")
    try:
        summary = await enrich.run_column(
            ws, table, "Work Email", enrich.RowSelection("all"), providers=providers, cancel=cancel
        )
    finally:
        await providers.aclose()
    assert summary.status == "cancelled" and summary.counts["found"] > 0 and summary.credits > 0
    (run,) = _runs(ws)
    assert json.loads(run["counts"]) == summary.counts
    info = enrich.run_info(ws, table, "Work Email")
    assert info.last_run_counts == summary.counts
    stored = dict(ws.db.execute("SELECT status, COUNT(*) FROM cells GROUP BY status").fetchall())
    assert stored == summary.counts  # every cell is recorded as what it is
    charged = ws.db.execute("SELECT COALESCE(SUM(credits), 0) FROM cells").fetchone()[0]
    assert charged == summary.credits == run["credits"]
    stopped_after_find = ws.db.execute(
        "SELECT error FROM cells WHERE status = 'cancelled' AND error LIKE '%found%'"
    ).fetchall()
    assert stopped_after_find and "nothing was charged" in stopped_after_find[0][0]
    ws.close()
