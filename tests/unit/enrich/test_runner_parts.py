"""The runner's parts: idempotency keys and step numbers as stored workspaces have them, the
HTTP action as a provider with limits from ``[providers.http]``, formula as a batch action."""

from __future__ import annotations

import time

import polars as pl

from clay_tui.config import parse_settings
from clay_tui.enrich import formula
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.sandbox.server import ensure_sandbox
from clay_tui.services import enrich
from clay_tui.states import CellState
from clay_tui.table.lead_table import ROW_ID
from clay_tui.workspace import Workspace
from tests.conftest import sandbox_raw_config
from tests.unit.enrich.conftest import make_ws
from tests.unit.enrich.fakes import FakeWorld, people_table
from tests.unit.enrich.test_runner import email_column, run


async def test_keys_and_step_numbers_stay_as_stored_workspaces_have_them(
    tmp_path, clock, monkeypatch
):
    """The key text is replayed by existing workspaces: byte for byte what it always was, and
    the attempt's step is the number in its key (a held verifier step is numbered when held)."""
    ws = make_ws(tmp_path, clock)
    world = FakeWorld({"bob": {"prospeo": "none", "hunter": "valid"}})
    world.install(monkeypatch)
    table = people_table(ws, tmp_path, ["bob"])
    email_column(ws, table)
    summary = await run(ws, table)
    assert summary.counts == {"found": 1}
    rows = ws.db.execute("SELECT key, step, provider, op FROM attempts ORDER BY id").fetchall()
    assert [r["key"] for r in rows] == [
        "enrich:t1:c1:r1:s0:prospeo:email_finder:run1",
        "enrich:t1:c1:r1:s1:hunter:email_verifier:run1",
        "enrich:t1:c1:r1:s2:hunter:email_finder:run1",
    ]
    assert [r["step"] for r in rows] == [0, 1, 2]
    keys = {r["key"] for r in ws.db.execute("SELECT key FROM ledger WHERE key IS NOT NULL")}
    assert "enrich:t1:c1:r1:s2:hunter:email_finder:run1:capture" in keys
    ws.close()


def _http_ws(tmp_path, clock, **http):
    raw = sandbox_raw_config()
    raw["providers"]["http"] = dict(http)
    settings = parse_settings(raw, "<test>", tmp_path / "ws")
    return Workspace.open(settings, clock)


def _echo_column(ws, table, latency_ms: int) -> None:
    base = ensure_sandbox(ws.settings)
    enrich.add_column(
        ws,
        table,
        ColumnSpec(
            name="Echo",
            action="http_call",
            params={
                "url": base + "/http/echo/{{first_name}}",
                "headers": {"X-Sandbox-Latency-Ms": str(latency_ms)},
                "json_path": "path",
            },
        ),
    )


def test_http_defaults_are_the_limits_it_always_had(tmp_path):
    settings = parse_settings({}, "<test>", tmp_path / "ws")
    assert (settings.http.concurrency, settings.http.timeout_s) == (10, 20.0)
    assert settings.http.rate_per_second == 0 and "http" not in settings.providers


async def test_http_timeout_comes_from_providers_http(tmp_path, clock, sandbox_url):
    ws = _http_ws(tmp_path, clock, timeout_s=0.3)
    table = people_table(ws, tmp_path, ["ann", "bob"])
    _echo_column(ws, table, latency_ms=3000)
    t0 = time.perf_counter()
    summary = await enrich.run_column(ws, table, "Echo", enrich.RowSelection("all"))
    assert time.perf_counter() - t0 < 2.5  # not the 3 s answer, nor the old 20 s timeout
    assert summary.counts == {CellState.ERROR: 2}
    errors = {r["error"] for r in ws.db.execute("SELECT error FROM cells")}
    assert len(errors) == 1 and errors.pop().endswith("did not answer in time.")
    ws.close()


async def test_http_concurrency_and_rate_come_from_providers_http(tmp_path, clock, sandbox_url):
    ws = _http_ws(tmp_path, clock, concurrency=2)
    table = people_table(ws, tmp_path, [f"p{i}" for i in range(6)])
    _echo_column(ws, table, latency_ms=200)
    t0 = time.perf_counter()
    summary = await enrich.run_column(ws, table, "Echo", enrich.RowSelection("all"))
    assert summary.counts == {CellState.FOUND: 6}
    assert time.perf_counter() - t0 >= 0.55  # 6 calls of 0.2 s, 2 at a time: 3 waves
    ws.close()

    ws = _http_ws(tmp_path / "rate", clock, rate_per_second=10)
    table = people_table(ws, tmp_path, [f"p{i}" for i in range(6)])
    _echo_column(ws, table, latency_ms=0)
    t0 = time.perf_counter()
    summary = await enrich.run_column(ws, table, "Echo", enrich.RowSelection("all"))
    assert summary.counts == {CellState.FOUND: 6}
    assert time.perf_counter() - t0 >= 0.45  # 6 calls at 10/s: 5 intervals of 0.1 s
    ws.close()


def test_formula_is_a_batch_action():
    info = ACTIONS["formula"]
    assert info.batch is formula.evaluate and info.execute is None
    spec = ColumnSpec(name="F", action="formula", params={"expression": "upper(name)"})
    frame = pl.DataFrame({ROW_ID: [1, 2], "name": ["ann", ""]})
    out = dict(formula.evaluate(spec, frame))
    assert out[1].status is CellState.FOUND and out[1].values == {"value": "ANN"}
    assert out[2].status is CellState.NO_DATA and out[1].provider == "formula"
