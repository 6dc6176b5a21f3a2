"""Members in the reports: runs and ledger entries name who made them; Run Info and
``usage --by member`` group by member and add up to the ledger."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import cli
from clay_tui.services import enrich
from clay_tui.services import tables as ts
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws

RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"
EMAIL = "Work Email"


@pytest.fixture
def team(tmp_path: Path, clock, sandbox_url):
    """ann adds the paid column and runs 6 rows; bob runs the next 6 and 3 more."""
    base = make_ws(tmp_path, clock)
    ws_ann = _as(base, "ann")
    ws_bob = _as(base, "bob")
    base.close()
    ann = ts.import_table(ws_ann, SAMPLE_LEADS, name="leads")
    ann.wait_for_snapshot()
    for spec in enrich.load_recipe(RECIPE):
        enrich.add_column(ws_ann, ann, spec)
    asyncio.run(enrich.run_column(ws_ann, ann, EMAIL, enrich.RowSelection("first", limit=6)))
    bob = ts.get_table(ws_bob, ann.id)
    for limit in (6, 3):
        asyncio.run(
            enrich.run_column(ws_bob, bob, EMAIL, enrich.RowSelection("first", limit=limit))
        )
    yield ws_ann, ann, ws_bob, bob
    ws_ann.close()
    ws_bob.close()


def _as(ws, user: str):
    from clay_tui.workspace import Workspace

    return Workspace.open(dataclasses.replace(ws.settings, user=user), ws.clock)


def _ledger_net(ws, member: str | None = None) -> int:
    sql = "SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE kind IN ('capture', 'refund')"
    params: tuple = ()
    if member is not None:
        sql += " AND member = ?"
        params = (member,)
    return int(ws.db.execute(sql, params).fetchone()[0])


def test_runs_record_their_member(team) -> None:
    ws_ann, ann, _ws_bob, _bob = team
    rows = ws_ann.db.execute("SELECT member FROM runs ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["ann", "bob", "bob"]


def test_run_info_groups_by_member_and_adds_up_to_the_ledger(team) -> None:
    ws_ann, ann, _ws_bob, _bob = team
    info = enrich.run_info(ws_ann, ann, EMAIL)
    ann_net, bob_net = _ledger_net(ws_ann, "ann"), _ledger_net(ws_ann, "bob")
    assert ann_net > 0 and bob_net > 0
    assert info.per_member == {"ann": ann_net, "bob": bob_net}
    assert sum(info.per_member.values()) == info.credits_spent == _ledger_net(ws_ann)
    assert info.runs_per_member == {"ann": 1, "bob": 2} and info.runs == 3
    assert info.last_run_member == "bob"
    assert info.members_text() == (
        f"ann {ann_net:,} credits in 1 run · bob {bob_net:,} credits in 2 runs"
    )


def test_the_cli_says_who_spent_it(team, tmp_path: Path, monkeypatch) -> None:
    ws_ann, ann, _ws_bob, _bob = team
    monkeypatch.setenv("CLAY_TUI_WORKSPACE", str(ws_ann.root))
    info = enrich.run_info(ws_ann, ann, EMAIL)
    out = CliRunner().invoke(cli, ["--user", "cy", "run-info", "leads", EMAIL])
    assert out.exit_code == 0, out.output
    assert f"Members     {info.members_text()}" in out.output.splitlines()
    assert ", started by cli (bob)" in out.output
    as_json = json.loads(CliRunner().invoke(cli, ["run-info", "leads", EMAIL, "--json"]).output)
    assert as_json["per_member"] == info.per_member
    usage = json.loads(CliRunner().invoke(cli, ["usage", "--by", "member", "--json"]).output)
    assert {r["key"]: r["net"] for r in usage["rows"]} == {
        "ann": _ledger_net(ws_ann, "ann"),
        "bob": _ledger_net(ws_ann, "bob"),
    }
    assert usage["net"] == _ledger_net(ws_ann)


def test_one_member_alone_sees_no_member_lines(tmp_path: Path, clock, sandbox_url) -> None:
    ws = make_ws(tmp_path, clock)
    try:
        table = ts.import_table(ws, SAMPLE_LEADS, name="leads")
        for spec in enrich.load_recipe(RECIPE):
            enrich.add_column(ws, table, spec)
        asyncio.run(enrich.run_column(ws, table, EMAIL, enrich.RowSelection("first", limit=3)))
        info = enrich.run_info(ws, table, EMAIL)
        assert info.members == [ws.settings.user]
    finally:
        ws.close()
    out = CliRunner().invoke(cli, ["run-info", "leads", EMAIL])
    assert out.exit_code == 0, out.output
    assert "Members" not in out.output
