"""Stored results (workspace.db ``cells``) are the truth: opening, exporting and rebuilding a
table put every one of them in the table, even when the snapshot never got them (a kill)."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from clay_tui.services import enrich
from clay_tui.services import tables as ts
from clay_tui.table.lead_table import read_snapshot, snapshot_path
from clay_tui.workspace import Workspace
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws

RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"


def _found(ws: Workspace, table_id: int) -> dict[int, str]:
    import json

    rows = ws.db.execute(
        "SELECT row_id, value, credits FROM cells WHERE table_id = ? AND status = 'found'",
        (table_id,),
    ).fetchall()
    assert all(r["credits"] > 0 for r in rows)  # paid results
    return {r["row_id"]: json.loads(r["value"])["email"] for r in rows}


@pytest.fixture
def killed(tmp_path: Path, clock, sandbox_url):
    """A paid run whose results reached workspace.db but never the table's snapshot."""
    ws = make_ws(tmp_path, clock)
    table = ts.import_table(ws, SAMPLE_LEADS, name="leads")
    for spec in enrich.load_recipe(RECIPE):
        enrich.add_column(ws, table, spec)
    table.save()
    summary = asyncio.run(
        enrich.run_column(ws, table, "Work Email", enrich.RowSelection("first", limit=40))
    )
    assert summary.counts.get("found", 0) >= 5 and summary.credits > 0
    found = _found(ws, table.id)
    frame, _ = read_snapshot(snapshot_path(ws, table.id))
    assert frame.get_column("Work Email").null_count() == frame.height  # never folded in
    table_id = table.id
    ws.close()  # no save: as if the process had been killed
    return tmp_path, clock, table_id, found


def _reopen(tmp_path: Path, clock) -> Workspace:
    return make_ws(tmp_path, clock)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_after_a_kill_has_every_paid_result(killed) -> None:
    tmp_path, clock, table_id, found = killed
    with _reopen(tmp_path, clock) as ws:
        out = tmp_path / "out.csv"
        ts.export_table(ws, ts.find_table(ws, "leads"), out)
    rows = _rows(out)
    for rid, email in found.items():
        assert rows[rid - 1]["Work Email"] == email


def test_cli_export_after_a_kill_has_every_paid_result(killed, tmp_path: Path) -> None:
    import tomli_w

    from clay_tui.cli.main import _register, cli
    from tests.conftest import sandbox_raw_config

    _register()
    _, _, _, found = killed
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--workspace", str(tmp_path / "ws"), "export", "leads", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert sum(1 for r in rows if r["Work Email"]) >= len(found)
    for rid, email in found.items():
        assert rows[rid - 1]["Work Email"] == email


def test_open_and_rebuild_apply_every_stored_result(killed) -> None:
    tmp_path, clock, table_id, found = killed
    with _reopen(tmp_path, clock) as ws:
        table = ts.open_table(ws, "leads")
        assert {rid: table.row(rid)["Work Email"] for rid in found} == found
        table.save()  # the snapshot now holds them too
        frame, _ = read_snapshot(snapshot_path(ws, table_id))
        assert frame.get_column("Work Email").drop_nulls().len() == len(found)
    with _reopen(tmp_path, clock) as ws:
        snapshot_path(ws, table_id).unlink()  # rebuilt from the source file on open
    with _reopen(tmp_path, clock) as ws:
        table = ts.open_table(ws, "leads")
        assert table.notices and "Rebuilt" in table.notices[0]
        assert {rid: table.row(rid)["Work Email"] for rid in found} == found


def test_another_processes_edit_and_column_show_up_without_auto_update(
    tmp_path: Path, clock, sandbox_url
) -> None:
    """The TUI (a) catches up with the CLI (b): b's paid column and its results appear in a,
    and b's edits of a's inputs are b's to run, not a's auto-update (a would pay again)."""
    from clay_tui.enrich.spec import ColumnSpec

    ws_a, ws_b = make_ws(tmp_path, clock), make_ws(tmp_path, clock)
    try:
        a = ts.import_table(ws_a, SAMPLE_LEADS, name="leads")
        a.wait_for_snapshot()
        ts.set_table_auto_update(ws_a, a, True)  # off for a new table
        enrich.add_column(
            ws_a,
            a,
            ColumnSpec(
                name="Domain", action="normalize_domain", inputs={"value": "company_domain"}
            ),
        )
        updater = enrich.AutoUpdater(ws_a, a, delay_s=60).attach()
        b = ts.get_table(ws_b, a.id)
        for spec in enrich.load_recipe(RECIPE):
            enrich.add_column(ws_b, b, spec)
        asyncio.run(
            enrich.run_column(ws_b, b, "Work Email", enrich.RowSelection("first", limit=20))
        )
        b.set_cell(1, "company_domain", "http://changed.example")
        found = _found(ws_b, a.id)
        a.refresh()
        assert a.row(1)["company_domain"] == "http://changed.example"
        assert {rid: a.row(rid)["Work Email"] for rid in found} == found
        assert updater._pending == {}
        a.set_cell(2, "company_domain", "http://mine.example")  # a's own edit: a runs it
        assert updater._pending["Domain"] == {2}
        updater.detach()
    finally:
        ws_a.close()
        ws_b.close()
