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
