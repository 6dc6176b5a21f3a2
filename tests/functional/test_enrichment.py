"""Enrichment in the TUI against the bundled sandbox: Run Info, run dialog, stop, add column,
auto-update, and out-of-credits, on a 12-row table in a temporary workspace."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Button, Checkbox, Input, OptionList, RadioButton, Select, Static

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.services.credits import credits_summary
from clay_tui.services.enrich import RowSelection
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.add_column_screen import AddColumnScreen, guess_column
from clay_tui.ui.screens.column_menu import ColumnMenu
from clay_tui.ui.screens.popup_menu import PopupMenu
from clay_tui.ui.screens.run_dialog import RunDialog
from clay_tui.ui.screens.run_info_screen import RunInfoScreen
from tests.functional.driving import EMAIL, SIZE, grid_of, press, said, screen_of, settle


@pytest.fixture
def sb_app(sb_ws, sb_table, email_column):
    return lambda: ClayApp(sb_ws, sb_table)


def header_x(app, column: str) -> int:
    grid = grid_of(app)
    return grid.row_gutter + grid.column_offsets[grid.columns.index(column)] + 1


async def choose(pilot, option_id: str) -> None:
    menu = pilot.app.screen.query_one(OptionList)
    menu.highlighted = menu.get_option_index(option_id)
    await press(pilot, "enter")


async def push(pilot, button: str) -> None:
    """Press a button the way a click does (two real clicks within the button's 0.2 s "active"
    effect would count as one)."""
    pilot.app.screen.query_one(button, Button).press()
    await settle(pilot)


def info_text(app) -> str:
    from clay_tui.ui.screens.run_info_screen import run_info_text

    screen = app.screen
    return run_info_text(screen.ws, screen.table, screen.column)


async def test_run_info_by_right_click_and_by_key(sb_app) -> None:
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(grid_of(app), offset=(header_x(app, EMAIL), 0), button=3)
        await settle(pilot)
        assert isinstance(app.screen, ColumnMenu) and app.screen.column == EMAIL
        ids = [o.id for o in app.screen.query_one(OptionList).options]
        assert {"run_info", "run", "auto_update"} <= set(ids)
        await choose(pilot, "run_info")
        assert isinstance(app.screen, RunInfoScreen)
        text = info_text(app)
        assert "sandbox" in text and "Credits spent" in text and "0 of 12" in text
        await press(pilot, "escape")
        assert not isinstance(app.screen, RunInfoScreen)
        # a plain input column, by key: not an enrichment column, costs nothing
        grid_of(app).move_to_column("company")
        await press(pilot, "i")
        assert isinstance(app.screen, RunInfoScreen)
        assert "not an enrichment column" in info_text(app)
        assert "costs nothing" in info_text(app)
        # its column menu has Run Info but no Run
        await press(pilot, "escape", "m")
        ids = [o.id for o in app.screen.query_one(OptionList).options]
        assert "run_info" in ids and "run" not in ids


async def test_run_dialog_estimate_then_test_run_agrees_with_run_info(
    sb_app, sb_ws, sb_table
) -> None:
    app = sb_app()
    before = credits_summary(sb_ws).available
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RunDialog)
        est = dialog.estimate
        assert est is not None and est.rows_selected == 10
        # a test run: the first 10 rows that meet the condition (Hana, row 8, is in JP)
        assert est.row_ids == [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]
        assert est.rows_to_run == 10 and est.max_credits == 10 * est.per_row_max
        shown = str(dialog.query_one("#run-estimate", Static).render())
        assert f"up to {est.max_credits}" in shown and "#9, #10, #11" in shown
        await pilot.click("#run-go")
        await settle(pilot)
        assert not isinstance(app.screen, RunDialog)
        await asyncio.sleep(0.05)
        await settle(pilot)
        states = enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)
        assert len(states) == 10 and 8 not in states
        info = enrich_service.run_info(sb_ws, sb_table, EMAIL)
        spent = before - credits_summary(sb_ws).available
        assert spent == info.credits_spent > 0
        assert info.hits == sum(1 for s in states.values() if s == "found")
        assert screen_of(app).status.run_text is None
        assert any("Ran Work Email on 10 rows" in m for m in said(app))
        # the grid shows the results, and why the others are empty
        notes = grid_of(app).notes[EMAIL]
        assert set(notes) == {r for r, s in states.items() if s != "found"}
        found = [r for r, s in states.items() if s == "found"]
        assert sb_table.row(found[0])[EMAIL]
        await press(pilot, "i")
        assert f"{info.credits_spent}" in info_text(app)
        # the column has run: the dialog offers "rows not yet run" (Lea; Hana is skipped)
        await press(pilot, "escape", "r")
        assert app.screen.choice == "not_run"
        assert app.screen.query_one("#rows-not_run", RadioButton).value
        assert app.screen.estimate.rows_to_run == 1
        assert app.screen.estimate.skipped_condition == 1
        await press(pilot, "r")  # r runs from the dialog
        await asyncio.sleep(0.05)
        await settle(pilot)
        assert len(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == 12
        # everything has run: only "re-run cells that have a result" has anything to do
        await press(pilot, "r")
        assert app.screen.estimate.rows_to_run == 0
        app.screen.query_one("#rows-all", RadioButton).value = True
        await settle(pilot)
        assert app.screen.estimate.rows_to_run == 0
        app.screen.query_one("#run-force", Checkbox).value = True
        await settle(pilot)
        assert app.screen.estimate.rows_to_run == 11  # all but the row the condition skips
        await press(pilot, "escape")
        # a plain column: nothing to run, and it says so
        grid_of(app).move_to_column("country")
        await press(pilot, "r")
        assert not isinstance(app.screen, RunDialog)
        assert any("country is not an enrichment column" in m for m in said(app))


async def test_confirm_above_threshold_and_stop(sb_app, sb_ws, sb_table, monkeypatch) -> None:
    from clay_tui.providers import prospeo

    real, real_bulk = prospeo.find_email, prospeo.bulk_find_email

    async def slow(*args, **kwargs):
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)

    async def slow_bulk(*args, **kwargs):  # the rows waiting go 50 to a request
        await asyncio.sleep(0.3)
        return await real_bulk(*args, **kwargs)

    monkeypatch.setattr(prospeo, "find_email", slow)
    monkeypatch.setattr(prospeo, "bulk_find_email", slow_bulk)
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        dialog = app.screen
        dialog.threshold = 5  # the "all" run costs more than this: confirm first
        dialog.query_one("#rows-all", RadioButton).value = True
        await settle(pilot)
        go = dialog.query_one("#run-go", Button)
        assert go.disabled and not dialog.query_one("#run-confirm", Checkbox).has_class("hidden")
        dialog.query_one("#run-confirm", Checkbox).value = True
        await pilot.pause()
        assert not go.disabled
        await pilot.click("#run-go")
        for _ in range(20):  # wait for the first calls to be in flight
            await pilot.pause(0.02)
            if screen_of(app).status.run_text and "ctrl+x" in screen_of(app).status.run_text:
                break
        screen_of(app).notes.reload()
        assert "running…" in grid_of(app).notes[EMAIL].values()  # cells waiting on the run
        await pilot.press("ctrl+x")
        await settle(pilot)
        states = enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)
        assert "cancelled" in states.values()
        assert any(m.startswith("Stopped Work Email") for m in said(app))
        assert "stopped" in grid_of(app).notes[EMAIL].values()
        info = enrich_service.run_info(sb_ws, sb_table, EMAIL)
        assert info.last_run_status == "cancelled"
        from clay_tui.ui.screens.run_info_screen import run_info_text

        text = run_info_text(sb_ws, sb_table, EMAIL)  # the cells' word: "stopped"
        assert "Stopped" in text and "(stopped)" in text and "ancelled" not in text


async def test_a_run_cap_says_so(sb_app, sb_ws, sb_table, email_column) -> None:
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.enrichment.run_chosen(email_column, (RowSelection("all"), 4))  # a 4-credit cap
        await settle(pilot)
        await asyncio.sleep(0.05)
        await settle(pilot)
        states = enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)
        assert "spend limit" in states.values() and "not enough credits" not in states.values()
        assert "spend limit" in grid_of(app).notes[EMAIL].values()
        messages = said(app)
        assert any("This run's maximum of 4 credits" in m for m in messages), messages
        assert not any("Out of credits" in m for m in messages)


async def test_a_spend_limit_says_so_and_how_to_raise_it(sb_ws, sb_table, email_column) -> None:
    """Before: the toast said "Out of credits... buy credits" with 2,000 available."""
    enrich_service.update_column(sb_ws, sb_table, EMAIL, spend_limit=5)
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen_of(app).enrichment.run_chosen(email_column, (RowSelection("all"), None))
        await settle(pilot)
        await asyncio.sleep(0.05)
        await settle(pilot)
        messages = said(app)
        assert any(
            "Work Email's spend limit stopped this run" in m
            and "of 5 credits used" in m
            and "Press e" in m
            for m in messages
        ), messages
        assert not any("buy credits" in m.lower() for m in messages)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "i")
        text = info_text(app)
        assert "Spend limit" in text and "of 5 used" in text


async def test_add_column_from_an_action_and_from_a_recipe(sb_ws, sb_table, tmp_path) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "plus")
        form = app.screen
        assert isinstance(form, AddColumnScreen)
        form.query_one("#action", Select).value = "find_work_email"
        await settle(pilot)
        assert form.query_one("#in-first_name", Select).value == "first_name"
        assert form.query_one("#in-company", Select).value == "company"
        assert form.query_one("#column-name", Input).value == "Find work email"
        form.query_one("#condition", Input).value = "nope > 1"
        await pilot.click("#add-go")
        await settle(pilot)
        error = str(form.query_one("#add-error", Static).render())
        assert app.screen is form and "nope" in error
        form.query_one("#condition", Input).value = "country = 'US'"
        await push(pilot, "#add-go")
        assert not isinstance(app.screen, AddColumnScreen), str(
            app.screen.query_one("#add-error", Static).render()
        )
        spec = enrich_service.get_column(sb_ws, sb_table, "Find work email")
        assert spec.condition == "country = 'US'" and spec.inputs["company"] == "company"
        assert "Find work email" in grid_of(app).columns
        # a recipe file
        recipe = tmp_path / "clean.toml"
        recipe.write_text(
            '[[column]]\nname = "Company clean"\naction = "formula"\n'
            '[column.params]\nexpression = "lower(company)"\n',
            encoding="utf-8",
        )
        await press(pilot, "plus")
        app.screen.query_one("#recipe-path", Input).value = str(tmp_path / "missing.toml")
        await pilot.click("#recipe-add")
        await settle(pilot)
        assert "does not exist" in str(app.screen.query_one("#add-error", Static).render())
        app.screen.query_one("#recipe-path", Input).value = str(recipe)
        await push(pilot, "#recipe-add")
        assert "Company clean" in sb_table.columns, str(
            app.screen.query_one("#add-error", Static).render()
        )
        assert not isinstance(app.screen, AddColumnScreen)


async def test_typing_a_recipe_path_as_the_form_opens_lands_in_the_recipe_field(
    sb_ws, sb_table, tmp_path
) -> None:
    """The form opens on the Action list; a path typed there went nowhere and Enter
    opened the list instead of adding the recipe."""
    recipe = tmp_path / "clean.toml"
    recipe.write_text(
        '[[column]]\nname = "Company clean"\naction = "formula"\n'
        '[column.params]\nexpression = "lower(company)"\n',
        encoding="utf-8",
    )
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "plus")
        assert isinstance(app.screen, AddColumnScreen)
        await pilot.press(*str(recipe))
        await settle(pilot)
        assert app.screen.query_one("#recipe-path", Input).value == str(recipe)
        await press(pilot, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, AddColumnScreen)
        assert "Company clean" in sb_table.columns
        # once an action is picked, typing on its list is not a recipe path
        await press(pilot, "plus")
        app.screen.query_one("#action", Select).value = "formula"
        await settle(pilot)
        await press(pilot, "x")
        assert app.screen.query_one("#recipe-path", Input).value == ""


def test_guess_column_by_name() -> None:
    cols = ["First Name", "surname", "Company_Domain", "LinkedIn", "phone_number"]
    assert guess_column("first_name", cols) == "First Name"
    assert guess_column("last_name", cols) == "surname"
    assert guess_column("domain", cols) == "Company_Domain"
    assert guess_column("linkedin_url", cols) == "LinkedIn"
    assert guess_column("value", cols, "normalize_phone") == "phone_number"
    assert guess_column("email", cols) is None


async def edit(pilot, row: int, column: str, text: str) -> None:
    grid = grid_of(pilot.app)
    grid.move_cursor(row=row, column=grid.columns.index(column))
    await press(pilot, "enter")
    field = screen_of(pilot.app).prompt.query_one("#prompt-input")
    field.value = text
    await press(pilot, "enter")


async def test_auto_update_runs_an_edited_row(sb_app, sb_ws, sb_table) -> None:
    table_service.set_table_auto_update(sb_ws, sb_table, True)  # new tables: off
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen_of(app).runs.delay_s = 0.05
        await edit(pilot, 1, "first_name", "Benedikt")
        await pilot.pause(0.15)
        await settle(pilot)
        states = enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)
        assert list(states) == [2]  # only the edited row ran
        assert any("Auto-update ran Work Email" in m for m in said(app))
        # the column's own switch (column menu) stops it
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "m")
        await choose(pilot, "auto_update")
        assert not enrich_service.get_column(sb_ws, sb_table, EMAIL).auto_update
        await edit(pilot, 2, "first_name", "Cleopatra")
        await pilot.pause(0.15)
        await settle(pilot)
        assert list(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == [2]


async def test_turning_auto_update_off_with_pending_cells_asks(sb_app, sb_ws, sb_table) -> None:
    table_service.set_table_auto_update(sb_ws, sb_table, True)  # new tables: off
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.runs.delay_s = 30  # the edit stays pending while we answer
        await edit(pilot, 0, "company", "Acme Corp")
        assert screen.runs.pending_cells() == 1
        assert "1 pending" in screen.status.text
        await press(pilot, "t", "end", "enter")
        assert isinstance(app.screen, PopupMenu) and "1 cell pending" in app.screen.title_text
        await choose(pilot, "drop")
        assert not table_service.table_auto_update(sb_ws, sb_table)
        assert screen.runs.pending_cells() == 0
        assert enrich_service.cell_statuses(sb_ws, sb_table, EMAIL) == {}
        assert "auto-update off" in screen.status.text
        # on again (after its confirmation), edit, off: "Run pending cells" runs them
        await press(pilot, "t", "end", "enter")
        app.screen.query_one("#au-on", Button).press()
        await settle(pilot)
        await edit(pilot, 3, "company", "Umbrella Corp")
        await press(pilot, "t", "end", "enter")
        await choose(pilot, "run")
        await settle(pilot)
        assert list(enrich_service.cell_statuses(sb_ws, sb_table, EMAIL)) == [4]
        assert not table_service.table_auto_update(sb_ws, sb_table)


async def test_enrichment_outputs_are_not_renamed_or_deleted_by_plain_edits(
    sb_app, sb_table
) -> None:
    """D asks before removing the whole enrichment; R opens its edit form, never the
    plain rename prompt (tests/functional/test_edit_column.py covers both further)."""
    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "D")
        assert isinstance(app.screen, PopupMenu)
        await press(pilot, "escape")
        await press(pilot, "R")
        assert EMAIL in sb_table.columns and not screen_of(app).prompt.is_open
        await press(pilot, "escape")
        assert EMAIL in sb_table.columns


async def test_run_results_reach_the_grid_without_reading_the_cells_again(
    sb_app, sb_ws, sb_table, monkeypatch
) -> None:
    """A run's result batches carry each row's state to the screen ({row_id: state} on the
    table's change): the notes follow the run without reading every stored cell again."""
    from clay_tui.states import state_notes

    app = sb_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        spec = enrich_service.get_column(sb_ws, sb_table, EMAIL)
        screen.enrichment.run_chosen(spec, (RowSelection("ids", ids=(1, 2, 3, 4, 5, 6)), None))
        reads: list[str] = []
        real = enrich_service.cell_statuses

        def counted(ws, table, column):
            reads.append(column)
            return real(ws, table, column)

        monkeypatch.setattr(enrich_service, "cell_statuses", counted)
        for _ in range(50):
            await asyncio.sleep(0.02)
            await settle(pilot)
            if screen.runs is not None and not screen.runs.busy:
                break
        assert screen.runs is not None and not screen.runs.busy
        assert reads == []
        monkeypatch.setattr(enrich_service, "cell_statuses", real)
        states = real(sb_ws, sb_table, EMAIL)
        assert set(states) == {1, 2, 3, 4, 5, 6}
        notes = grid_of(app).notes[EMAIL]
        assert notes == state_notes(states)  # "no data" and the like; found cells show values
