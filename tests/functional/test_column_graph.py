"""D and R on a data column an enrichment column reads are refused, naming the reader
(issue 7, finding 1: the TUI let the user delete such a column, which opened the way to
a cycle)."""

from __future__ import annotations

from textual.widgets import Button, Input, Static

from clay_tui.services import enrich as enrich_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.widgets.prompt_bar import PromptBar
from tests.functional.driving import SIZE, grid_of, press, said, settle, type_text


async def test_delete_and_rename_of_a_column_read_by_an_enrichment(
    sb_ws, sb_table, email_column
) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column("country")  # read by Work Email's condition
        await press(pilot, "D")
        assert "country" in sb_table.columns
        notes = said(app)
        assert any(
            "Cannot delete column country: Work Email (its condition) reads it" in n for n in notes
        ), notes
        grid_of(app).move_to_column("last_name")  # an input
        await press(pilot, "R")
        prompt = app.screen.query_one(PromptBar)
        await press(pilot, *["backspace"] * 12)
        await type_text(pilot, "surname")
        await press(pilot, "enter")
        assert "last_name" in sb_table.columns and "surname" not in sb_table.columns
        error = str(prompt.query_one("#prompt-error", Static).render())
        assert "Cannot rename column last_name: Work Email (an input) reads it" in error


async def test_a_recipe_with_a_bad_second_column_adds_nothing_from_the_form(
    sb_ws, sb_table, tmp_path
) -> None:
    recipe = tmp_path / "two.toml"
    recipe.write_text(
        '[[column]]\nname = "Company clean"\naction = "formula"\n'
        '[column.params]\nexpression = "lower(company)"\n'
        '[[column]]\nname = "Loop"\naction = "formula"\n'
        "[column.params]\nexpression = \"Loop || 'x'\"\n",
        encoding="utf-8",
    )
    before = list(sb_table.columns)
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "plus")
        form = app.screen
        form.query_one("#recipe-path", Input).value = str(recipe)
        form.query_one("#recipe-add", Button).press()
        await settle(pilot)
        error = str(form.query_one("#add-error", Static).render())
        assert app.screen is form and "Column Loop cannot read its own output 'Loop'" in error
        assert list(sb_table.columns) == before
        assert enrich_service.list_columns(sb_ws, sb_table) == []


async def test_a_cycle_left_by_an_old_version_runs_once_per_edit_in_the_tui(
    sb_ws, sb_table
) -> None:
    """The runaway through the TUI's own run queue: an AI column and a formula reading each
    other, auto-update on, one edit. Each cell runs once; the chain back is stopped."""
    from clay_tui.services import credits as credits_service
    from clay_tui.services import tables as table_service
    from tests.functional.test_enrichment import edit
    from tests.unit.enrich.test_graph import attempts, force_add

    table_service.set_table_auto_update(sb_ws, sb_table, True)
    force_add(
        sb_ws,
        sb_table,
        enrich_service.ColumnSpec(
            name="Pitch", action="ai_prompt", params={"prompt": "{{company}}: {{Note}}"}
        ),
    )
    force_add(
        sb_ws,
        sb_table,
        enrich_service.ColumnSpec(
            name="Note", action="formula", params={"expression": "Pitch || '!'"}
        ),
    )
    start = credits_service.balance(sb_ws).available
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.table_screen
        screen.runs.delay_s = 0.02
        await edit(pilot, 0, "company", "Acme Two")
        for _ in range(200):  # a loop would keep the queue busy for good
            await pilot.pause(0.05)
            await settle(pilot)
            if not screen.runs.busy and not screen.runs.auto_pending:
                break
        assert not screen.runs.busy and not screen.runs.auto_pending
    assert attempts(sb_ws, sb_table, "Pitch", 1) == 1
    assert start - credits_service.balance(sb_ws).available == 1
    assert sb_table.row(1)["Note"] == sb_table.row(1)["Pitch"] + "!"
