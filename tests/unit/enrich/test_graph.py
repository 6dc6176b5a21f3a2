"""The cycle suite (issue 7, finding 1): a column graph with a cycle, or a column reading its
own output, is refused with one sentence naming the cycle, before anything is spent; a data
column other columns read cannot be deleted or renamed; and auto-update can never loop."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.clock import iso
from clay_tui.enrich import graph, store
from clay_tui.enrich.actions import ACTIONS
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.errors import ClayError, ColumnSpecError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

_register()

PITCH = ColumnSpec(
    name="Pitch", action="ai_prompt", params={"prompt": "Write to a {{title}} at {{company}}."}
)


def attempts(ws, table, column: str, row_id: int | None = None) -> int:
    spec = enrich.get_column(ws, table, column)
    sql = "SELECT COUNT(*) FROM attempts WHERE table_id = ? AND column_id = ?"
    args: list[object] = [table.id, spec.id]
    if row_id is not None:
        sql += " AND row_id = ?"
        args.append(row_id)
    return ws.db.execute(sql, args).fetchone()[0]


def force_add(ws, table, spec: ColumnSpec) -> None:
    """Store a column with no checks at all: a workspace an older version left with a cycle."""
    store.ensure(ws)
    info = ACTIONS[spec.action]
    spec.kind = spec.kind or info.kind
    spec.outputs = spec.outputs or {info.main_output: spec.name}
    spec.providers = spec.providers or list(info.providers)
    for fld, col in spec.outputs.items():
        if col not in table.columns:
            table.add_column(col, info.outputs.get(fld, "text"), undoable=False)
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO enrich_columns (table_id, name, kind, spec, auto_update,"
            " created_at) VALUES (?,?,?,?,1,?)",
            (table.id, spec.name, spec.kind, json.dumps(spec.to_dict()), iso(ws.clock.now())),
        )


async def idle(updater) -> None:
    """Until auto-update has nothing pending and no run going (forever, if it loops)."""
    await asyncio.sleep(0.05)
    while updater._pending or (updater._task is not None and not updater._task.done()):
        await asyncio.sleep(0.02)


# ------------------------------------------------------------ the graph itself


def test_graph_finds_cycles_and_orders_columns() -> None:
    a = ColumnSpec(
        name="A", action="formula", params={"expression": "B || 'x'"}, outputs={"value": "A"}
    )
    b = ColumnSpec(name="B", action="formula", params={"expression": "C"}, outputs={"value": "B"})
    c = ColumnSpec(
        name="C",
        action="normalize_domain",
        inputs={"value": "company_domain"},
        outputs={"value": "C"},
    )
    g = graph.ColumnGraph([a, b, c])
    assert g.find_cycle() is None
    assert g.order() == ["C", "B", "A"]
    assert g.downstream("C") == {"A", "B"}
    c2 = ColumnSpec(
        name="C",
        action="normalize_domain",
        inputs={"value": "company_domain"},
        condition="A IS NULL",
        outputs={"value": "C"},
    )
    cycle = graph.ColumnGraph([a, b, c2]).find_cycle("C")
    assert cycle == ["C", "A", "B", "C"]
    with pytest.raises(
        ColumnSpecError,
        match=r"C -> A -> B -> C \(C reads A, A reads B, "
        r"B reads C\)",
    ):
        graph.check([a, b, c2], c2)
    assert graph.trigger_columns(c2) == ["company_domain", "A"]


# ------------------------------------------------------------ the reported scenario


@pytest.fixture
def cli_run(tmp_path: Path, sandbox_url: str):
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config()), encoding="utf-8")

    def invoke(*args: str, input: str | None = None):  # noqa: A002
        return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)

    assert invoke("import", str(SAMPLE_LEADS), "--name", "leads").exit_code == 0
    return invoke


def one_error(result, *texts: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clay-tui: "), lines
    for text in texts:
        assert text in lines[0], lines
    return lines[0]


def test_deleting_a_column_an_ai_column_reads_is_refused(sbx_ws, leads) -> None:
    enrich.add_column(sbx_ws, leads, PITCH)
    with pytest.raises(
        ClayError,
        match=r"Cannot delete column title: Pitch \(a template\) "
        r"reads it",
    ):
        enrich.delete_data_column(sbx_ws, leads, "title")
    with pytest.raises(ClayError, match=r"Cannot rename column company: Pitch"):
        enrich.rename_data_column(sbx_ws, leads, "company", "Company Name")
    assert "title" in leads.columns and "company" in leads.columns
    enrich.delete_data_column(sbx_ws, leads, "phone")  # nobody reads it
    enrich.rename_data_column(sbx_ws, leads, "country", "Country")
    assert "phone" not in leads.columns and "Country" in leads.columns


def test_cli_refuses_the_formula_that_closes_the_cycle(cli_run, tmp_path: Path) -> None:
    """An AI column reads Z; Z is gone (a workspace from before the check, or deleted
    under it); a formula named Z reading the AI column is refused, and nothing changes."""
    recipe = tmp_path / "pitch.toml"
    recipe.write_text(tomli_w.dumps({"column": [PITCH.to_dict()]}), encoding="utf-8")
    assert cli_run("add-column", "leads", "--recipe", str(recipe)).exit_code == 0
    from clay_tui.config import parse_settings
    from clay_tui.workspace import Workspace

    settings = parse_settings(sandbox_raw_config(), "<t>", tmp_path / "ws")
    ws = Workspace.open(settings)
    try:
        table = tables.find_table(ws, "leads")
        table.delete_column("title")  # the low-level table op the TUI's D used to call
        table.save()
    finally:
        ws.close()
    result = cli_run(
        "add-column",
        "leads",
        "--name",
        "title",
        "--action",
        "formula",
        "--param",
        "expression=Pitch",
    )
    one_error(result, "cycle", "title -> Pitch -> title")
    shown = cli_run("run", "leads", "title", "--limit", "1", "--dry-run")
    one_error(shown, "no enrichment column 'title'")


async def test_a_cycle_left_by_an_old_version_runs_each_cell_once(sbx_ws, leads) -> None:
    """The runaway: an AI column and a formula reading each other, auto-update on, one row
    added. It used to loop until quit (99 credits for one row); now each cell runs once."""
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(sbx_ws, leads, PITCH)
    leads.delete_column("title")
    force_add(
        sbx_ws, leads, ColumnSpec(name="title", action="formula", params={"expression": "Pitch"})
    )
    before = credits_svc.balance(sbx_ws).available
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        rid = leads.add_row({"first_name": "Ann", "company": "Acme"})
        await asyncio.wait_for(idle(updater), timeout=20)
    finally:
        updater.detach()
    assert attempts(sbx_ws, leads, "Pitch", rid) == 1
    assert before - credits_svc.balance(sbx_ws).available <= 1  # gpt-4o-mini: 1 per call
    assert updater.guarded >= 1  # the chain back into Pitch was stopped, not run
    assert not updater.errors


# ------------------------------------------------------------ every way in


@pytest.mark.parametrize(
    ("specs", "text"),
    [
        # a direct self-reference, in each place a column can read
        (
            [ColumnSpec(name="Z", action="formula", params={"expression": "Z || 'x'"})],
            "Column Z cannot read its own output 'Z'",
        ),
        (
            [
                ColumnSpec(
                    name="Z",
                    action="normalize_domain",
                    inputs={"value": "company_domain"},
                    condition="Z IS NULL",
                )
            ],
            "Column Z cannot read its own output 'Z' (its condition)",
        ),
        (
            [ColumnSpec(name="Z", action="ai_prompt", params={"prompt": "Hi {{Z}}"})],
            "Column Z cannot read its own output 'Z' (a template)",
        ),
        (
            [ColumnSpec(name="Z", action="http_call", params={"url": "http://x/?q={{Z}}"})],
            "Column Z cannot read its own output 'Z' (a template)",
        ),
    ],
)
def test_self_reference_is_refused(sbx_ws, leads, specs, text) -> None:
    start = credits_svc.balance(sbx_ws).available
    for spec in specs:
        with pytest.raises(ColumnSpecError) as err:
            enrich.add_column(sbx_ws, leads, spec)
        assert text in str(err.value)
    assert enrich.list_columns(sbx_ws, leads) == []
    assert "Z" not in leads.columns
    assert credits_svc.balance(sbx_ws).available == start


async def test_two_and_three_cycles_through_condition_formula_template(sbx_ws, leads) -> None:
    tables.set_table_auto_update(sbx_ws, leads, True)
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="A", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.add_column(
        sbx_ws, leads, ColumnSpec(name="B", action="formula", params={"expression": "A || '/'"})
    )
    enrich.add_column(
        sbx_ws, leads, ColumnSpec(name="C", action="ai_prompt", params={"prompt": "About {{B}}"})
    )
    # 2-cycle via a condition edit: A would only run if B (which reads A) is empty
    with pytest.raises(ColumnSpecError, match=r"A -> B -> A"):
        enrich.update_column(sbx_ws, leads, "A", condition="B IS NULL")
    # 3-cycle via a condition edit
    with pytest.raises(ColumnSpecError, match=r"A -> C -> B -> A"):
        enrich.update_column(sbx_ws, leads, "A", condition="C IS NOT NULL")
    assert enrich.get_column(sbx_ws, leads, "A").condition is None
    # renaming an enrichment column onto a name another column reads is checked too
    with pytest.raises(ColumnSpecError):
        enrich.update_column(sbx_ws, leads, "A", new_name="B")
    # what was refused never spends: a new row runs each column once, C (paid) once
    start = credits_svc.balance(sbx_ws).available
    updater = enrich.AutoUpdater(sbx_ws, leads, delay_s=0.01).attach()
    try:
        rid = leads.add_row({"company_domain": "https://www.loop.example"})
        await asyncio.wait_for(idle(updater), 20)
    finally:
        updater.detach()
    assert [s.column for s in updater.summaries] == ["A", "B", "C"]
    assert attempts(sbx_ws, leads, "C", rid) == 1
    assert start - credits_svc.balance(sbx_ws).available == 1


def test_cli_edit_column_refuses_a_condition_that_closes_a_cycle(cli_run) -> None:
    assert (
        cli_run(
            "add-column",
            "leads",
            "--name",
            "Domain",
            "--action",
            "normalize_domain",
            "--input",
            "value=company_domain",
        ).exit_code
        == 0
    )
    assert (
        cli_run(
            "add-column",
            "leads",
            "--name",
            "Site",
            "--action",
            "formula",
            "--param",
            "expression='www.' || Domain",
        ).exit_code
        == 0
    )
    one_error(
        cli_run("edit-column", "leads", "Domain", "--where", "Site IS NULL"),
        "Domain -> Site -> Domain",
    )
    one_error(
        cli_run("edit-column", "leads", "Site", "--where", "Site IS NULL"),
        "Column Site cannot read its own output 'Site' (its condition)",
    )
    shown = cli_run("edit-column", "leads", "Domain", "--no-auto-update")
    assert "only run if (always)" in shown.stdout


def test_a_cycle_through_a_deleted_then_recreated_column(sbx_ws, leads) -> None:
    """Via delete/rename: the refusal of the delete is one guard, the add is the other."""
    enrich.add_column(sbx_ws, leads, PITCH)
    leads.rename_column("title", "Old Title")  # under the graph (undo, an old version)
    with pytest.raises(ColumnSpecError, match=r"title -> Pitch -> title"):
        enrich.add_column(
            sbx_ws,
            leads,
            ColumnSpec(name="title", action="ai_prompt", params={"prompt": "{{Pitch}}"}),
        )
    with pytest.raises(ColumnSpecError, match=r"Cannot rename country to title: Pitch reads"):
        enrich.rename_data_column(sbx_ws, leads, "country", "title")
    assert "title" not in leads.columns and "country" in leads.columns
    assert [c.name for c in enrich.list_columns(sbx_ws, leads)] == ["Pitch"]


def test_an_old_cycle_can_still_be_switched_off_and_broken(sbx_ws, leads) -> None:
    enrich.add_column(sbx_ws, leads, PITCH)
    leads.delete_column("title")
    force_add(
        sbx_ws, leads, ColumnSpec(name="title", action="formula", params={"expression": "Pitch"})
    )
    enrich.update_column(sbx_ws, leads, "Pitch", auto_update=False, spend_limit=5)
    with pytest.raises(ColumnSpecError, match=r"Pitch -> title -> Pitch"):
        enrich.update_column(sbx_ws, leads, "Pitch", condition="company IS NOT NULL")
    # an unrelated column can still be added
    enrich.add_column(
        sbx_ws,
        leads,
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "company_domain"}),
    )
    enrich.remove_column(sbx_ws, leads, "title")  # breaking the cycle is always allowed
    assert [c.name for c in enrich.list_columns(sbx_ws, leads)] == ["Pitch", "Domain"]
