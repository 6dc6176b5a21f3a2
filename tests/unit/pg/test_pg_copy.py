"""`workspace copy`: a folder's credits to PostgreSQL and back, losslessly."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from credit_helpers import ctx

from clay_tui.cli.main import cli
from clay_tui.config import load_settings
from clay_tui.credits import Ledger
from clay_tui.credits import members as m
from clay_tui.workspace import Workspace

LEDGER = "SELECT * FROM ledger ORDER BY id"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _entries(target: str) -> list[tuple]:
    with Workspace.open(load_settings(None, target)) as ws:
        return [tuple(r) for r in ws.db.execute(LEDGER)]


def test_a_folder_goes_to_postgresql_and_back_unchanged(pg_server, tmp_path: Path) -> None:
    folder = str(tmp_path / "a")
    with Workspace.open(load_settings(None, folder, user="ann")) as ws:
        ledger = Ledger(ws)
        ledger.purchase(500, key="buy-1")
        ledger.capture(ledger.reserve(30, "c1", context=ctx(1)), 20)
        ledger.reserve(2300, "split", context=ctx(2))  # plan and purchased parts, still open
        ledger.capture(ledger.reserve(5, "c3", context=ctx(3)), 5)
        ledger.refund("c3:capture", "invalid")
        m.set_limit(ws, "bob", 100)
    url = pg_server.create_schema()
    out = run("workspace", "copy", folder, url)
    assert out.exit_code == 0, out.output
    assert "credits verify on the source: all invariants hold." in out.output
    assert "credits verify on the destination: all invariants hold." in out.output
    assert _entries(url) == _entries(folder)
    back = str(tmp_path / "b")
    assert run("workspace", "copy", url, back).exit_code == 0
    assert _entries(back) == _entries(folder)
    with Workspace.open(load_settings(None, url, user="bob")) as ws:
        ledger = Ledger(ws)
        assert ledger.balance().reserved == 2300  # the open hold came along
        ledger.purchase(1, key="after-copy")  # new ids continue after the copied ones
        assert [x.monthly_limit for x in m.members(ws) if x.name == "bob"] == [100]


def test_a_destination_with_entries_is_refused(pg_url: str, tmp_path: Path) -> None:
    folder = str(tmp_path / "a")
    with Workspace.open(load_settings(None, folder)) as ws:
        Ledger(ws).balance()
    with Workspace.open(load_settings(None, pg_url)) as ws:
        Ledger(ws).balance()  # its own grant
    out = run("workspace", "copy", folder, pg_url)
    assert out.exit_code == 2
    assert "already has ledger entries" in out.output and out.output.count("\n") == 1


RECIPE = Path(__file__).resolve().parents[3] / "sample_tables" / "recipes" / "find_work_email.toml"


def _state(target: str) -> dict:
    """Everything a copy must carry, read back through a fresh workspace on ``target``."""
    from clay_tui.services import tables

    with Workspace.open(load_settings(None, target)) as ws:
        out: dict = {"ledger": [tuple(r) for r in ws.db.execute(LEDGER)]}
        for name, order in (
            ("cells", "table_id, column_id, row_id"),
            ("runs", "id"),
            ("attempts", "id"),
            ("enrich_columns", "id"),
            ("table_journal", "table_id, seq"),
        ):
            out[name] = [tuple(r) for r in ws.db.execute(f"SELECT * FROM {name} ORDER BY {order}")]
        out["frames"] = {
            t.id: tables.get_table(ws, t.id).frame.to_dicts() for t in tables.list_tables(ws)
        }
        out["names"] = [t.name for t in tables.list_tables(ws)]
        return out


async def test_tables_columns_results_and_history_go_to_postgresql_and_back(
    pg_server, tmp_path: Path, clock, sandbox_url
) -> None:
    """A folder with an enriched, edited table (a deleted column's side frame, an undo, a row
    added) moves to PostgreSQL and back: the same cells, runs, ledger and rows on every end,
    and the table still undoes on the copy."""
    from clay_tui.services import enrich, tables
    from tests.conftest import SAMPLE_LEADS
    from tests.unit.enrich.conftest import make_ws

    folder = str(tmp_path / "a")
    ws = make_ws(tmp_path, clock, target=folder)
    try:
        t = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        for spec in enrich.load_recipe(RECIPE):
            enrich.add_column(ws, t, spec)
        summary = await enrich.run_column(
            ws, t, "Work Email", enrich.RowSelection("first", limit=12)
        )
        assert summary.credits > 0
        t.set_cell(2, "first_name", "Edited")
        t.delete_column("phone")  # its values go to a side frame
        t.undo()  # ... and come back from it on replay
        t.delete_column("title")  # a side frame the copy's undo will need
        t.add_row({"first_name": "New"})
        t.save()
        t.set_cell(3, "first_name", "After the save")  # only in the journal
    finally:
        ws.close()
    want = _state(folder)
    assert want["cells"] and want["runs"]

    url = pg_server.create_schema()
    out = run("workspace", "copy", folder, url)
    assert out.exit_code == 0, out.output
    assert "credits verify on the destination: all invariants hold." in out.output
    assert "Tables identical on both ends, row by row: 1." in out.output
    # (the copy applies the source's renewals due on today's clock first, then copies them)
    want = _state(folder)
    assert _state(url) == want
    back = str(tmp_path / "b")
    out = run("workspace", "copy", url, back)
    assert out.exit_code == 0, out.output
    assert _state(back) == want

    with Workspace.open(load_settings(None, url)) as team:
        copy = tables.open_table(team, "leads")
        next_id = max(r["_row_id"] for r in want["frames"][copy.id]) + 1
        assert copy.undo() == "Undid the edit of first_name in row 3."
        copy.undo()  # the added row
        assert "title" not in copy.columns
        copy.undo()
        assert "title" in copy.columns  # back from the side frame that came along
        assert copy.add_row() == next_id  # row ids are never reused, on the copy either
