"""New rows arriving: `import FILE --into TABLE --key COLUMN` appends new rows and updates
changed cells, matched on the key; one journal entry (undo, crash-safe); auto-update runs
exactly the new and input-changed rows, labelled auto-update; with it off, nothing runs and
the summary says what waits and what it would cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich, imports, tables
from clay_tui.table.lead_table import LeadTable
from clay_tui.workspace import Workspace
from tests.conftest import sandbox_raw_config

_register()

BASE = """name,email,company_domain,country,notes
Ana,ana@acme.io,acme.io,US,first
Ben,ben@globex.com,globex.com,DE,
Cleo,cleo@initech.com,initech.com,US,
Dup,ana@acme.io,dup.io,FR,a second row with Ana's key
NoKey,,blank.io,US,
"""
LONG = "x" * 201 + "@long.io"
INCOMING = f"""email,name,company_domain,country,notes,extra
 ANA@acme.io ,Ana,acme.io,US,first,ignored column
ben@globex.com,Ben,https://www.Globex.com,DE,,
cleo@initech.com,Cleo,initech.com,CA,,
new@hooli.com,Eli,hooli.com,US,,
new@hooli.com,Eli Again,hooli2.com,US,,
,Blank,blank2.io,US,,
{LONG},Long,long.io,US,,
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    base, incoming = tmp_path / "base.csv", tmp_path / "incoming.csv"
    base.write_text(BASE, encoding="utf-8")
    incoming.write_text(INCOMING, encoding="utf-8")
    return base, incoming


def test_merge_rules_journal_and_undo(sbx_ws, files, tmp_path, clock) -> None:
    base, incoming = files
    table = tables.import_table(sbx_ws, base, name="people")
    result = imports.import_into(sbx_ws, table, incoming, "email")
    assert len(result.added) == 3  # new@hooli.com, the blank key, the long key
    assert result.blank_keys == 1 and result.long_keys == 1 and result.file_duplicates == 1
    assert result.table_duplicate_keys == 1  # ana@acme.io is on rows 1 and 4
    assert result.ignored_columns == ["extra"]
    assert result.updated_rows == 2 and result.cells_changed == 2  # Ben's domain, Cleo's country
    assert result.unchanged_rows == 1  # Ana: same values (the key matched despite case/spaces)
    assert table.row(2)["company_domain"] == "https://www.Globex.com"
    assert table.row(3)["country"] == "CA"
    assert table.row(4)["company_domain"] == "dup.io"  # the newer duplicate is never touched
    assert table.row(5)["email"] is None  # a blank key in the table never matches
    new = {table.row(r)["name"]: r for r in result.added}
    assert set(new) == {"Eli", "Blank", "Long"}
    assert table.row(new["Eli"])["email"] == "new@hooli.com"
    assert table.row_count == 8
    # the import is one journal entry: it survives a crash (no save) and undoes in one step
    other = Workspace.open(sbx_ws.settings, clock)
    again = LeadTable(other, table.id)
    assert again.row_count == 8 and again.row(3)["country"] == "CA"
    assert "import" in (again.undo() or "")  # undo reaches it after a reopen too
    assert again.row_count == 5 and again.row(3)["country"] == "US"
    assert again.row(2)["company_domain"] == "globex.com"
    assert LeadTable(other, table.id).row_count == 5  # and the undo is journaled as well
    other.close()


def test_changes_pick_rows_by_inputs_and_condition_columns(sbx_ws, files) -> None:
    base, incoming = files
    table = tables.import_table(sbx_ws, base, name="people")
    domain = enrich.add_column(
        sbx_ws,
        table,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    by_country = enrich.add_column(
        sbx_ws,
        table,
        ColumnSpec(
            name="Checked",
            action="verify_email",
            inputs={"email": "email"},
            condition="country = 'CA'",
        ),
    )
    changes = []
    table.subscribe(changes.append)
    result = imports.import_into(sbx_ws, table, incoming, "email")
    picked = imports.rows_to_run([domain, by_country], changes)
    assert picked["Domain"] == {2, *result.added}  # Ben's domain changed, not Cleo's country
    assert picked["Checked"] == {3, *result.added}  # Cleo's country is the condition's column


@pytest.fixture
def invoke(tmp_path: Path, sandbox_url: str, files):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    assert run("import", str(files[0]), "--name", "people").exit_code == 0
    return run


def _ws(tmp_path: Path, clock) -> Workspace:
    from clay_tui.config import parse_settings

    return Workspace.open(parse_settings(sandbox_raw_config(), "<t>", tmp_path / "ws"), clock)


def test_cli_with_auto_update_on_runs_exactly_those_rows(invoke, files, tmp_path, clock) -> None:
    ws = _ws(tmp_path, clock)
    table = tables.find_table(ws, "people")
    tables.set_table_auto_update(ws, table, True)
    enrich.add_column(
        ws,
        table,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    ws.close()
    out = invoke("import", str(files[1]), "--into", "people", "--key", "email", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["added"] == 3 and data["auto_update"]
    (run,) = data["runs"]
    assert run["column"] == "Domain" and run["total"] == 4  # Ben + 3 new rows, not Cleo
    ws = _ws(tmp_path, clock)
    runs = ws.db.execute("SELECT trigger, row_set FROM runs").fetchall()
    assert [tuple(r) for r in runs] == [("auto-update", "4 rows added or edited")]
    table = tables.find_table(ws, "people")
    enrich.sync_results(ws, table)
    assert table.row(2)["Domain"] == "globex.com"
    assert enrich.cell_statuses(ws, table, "Domain").keys() == {2, 6, 7, 8}
    ws.close()


def test_cli_with_auto_update_off_runs_nothing_and_says_what_waits(
    invoke, files, tmp_path, clock
) -> None:
    ws = _ws(tmp_path, clock)
    table = tables.find_table(ws, "people")
    tables.set_table_auto_update(ws, table, False)
    enrich.add_column(
        ws, table, ColumnSpec(name="Checked", action="verify_email", inputs={"email": "email"})
    )
    ws.close()
    out = invoke("import", str(files[1]), "--into", "people", "--key", "email")
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "3 new row(s) added" in text and "Auto-update is off: nothing ran" in text
    # new@hooli.com and the long key have an email (the blank-key row has none): 2 rows, up
    # to 1 credit at each of the default's 3 verifiers
    assert "Checked 2 row(s) (up to 6 credits)" in text
    ws = _ws(tmp_path, clock)
    assert ws.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
    ws.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--into", "people"), "needs both --into TABLE and --key COLUMN"),
        (("--into", "people", "--key", "phone"), "no column named 'phone'"),
        (("--into", "nobody", "--key", "email"), "No table named 'nobody'"),
    ],
)
def test_mistakes_are_one_line(invoke, files, args, message) -> None:
    out = invoke("import", str(files[1]), *args)
    assert out.exit_code == 2 and message in out.output, out.output
    assert len(out.output.strip().splitlines()) == 1
