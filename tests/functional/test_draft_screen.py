"""Write a condition / formula with AI from the TUI: F3 or "AI…" beside the field."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from clay_tui.services import credits as credits_service
from clay_tui.services import enrich as enrich_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.add_column_screen import AddColumnScreen
from clay_tui.ui.screens.draft_screen import DraftScreen
from clay_tui.ui.screens.edit_column_screen import EditColumnScreen
from clay_tui.ui.screens.run_dialog import RunDialog
from tests.functional.driving import EMAIL, SIZE, grid_of, press, settle, type_text

WORDS = "US companies with 50 to 500 employees"
DRAFTED = "country = 'US' AND employees BETWEEN 50 AND 500"


def text_of(app, ident: str) -> str:
    return str(app.screen.query_one(ident, Static).render())


async def draft(pilot, words: str = WORDS) -> None:
    assert isinstance(pilot.app.screen, DraftScreen)
    await type_text(pilot, words)
    await press(pilot, "enter")


async def test_edit_column_f3_drafts_and_keeps_the_condition(sb_ws, sb_table, email_column):
    app = ClayApp(sb_ws, sb_table)
    start = credits_service.balance(sb_ws).available
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "e", "f3")
        assert "1 credit (sandbox model)" in text_of(app, "#draft-cost")
        await draft(pilot)
        expr = app.screen.query_one("#draft-expr", Input)
        assert expr.value == DRAFTED
        assert "Matches 1 of 12 rows" in text_of(app, "#draft-status")
        assert "Charged 1 credit" in text_of(app, "#draft-status")
        expr.value = "country = 'US'"  # edited: checked and counted again
        await settle(pilot)
        assert "Matches 4 of 12 rows" in text_of(app, "#draft-status")
        expr.value = "nope = 1"
        await settle(pilot)
        assert text_of(app, "#draft-problem") and app.screen.query_one("#draft-use").disabled
        expr.value = DRAFTED
        await settle(pilot)
        app.screen.query_one("#draft-use").press()
        await settle(pilot)
        assert isinstance(app.screen, EditColumnScreen)
        assert app.screen.query_one("#edit-condition", Input).value == DRAFTED
    assert credits_service.balance(sb_ws).available == start - 1
    assert credits_service.verify_credits(sb_ws, repair=False).ok


async def test_run_dialog_drafts_saves_and_re_estimates(sb_ws, sb_table, email_column):
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_to_column(EMAIL)
        await press(pilot, "r")
        assert isinstance(app.screen, RunDialog)
        assert "country <> 'JP'" in text_of(app, "#run-condition-text")
        assert "to run 1 ·" not in text_of(app, "#run-estimate")
        app.screen.query_one("#ai-run-condition").press()
        await settle(pilot)
        await draft(pilot)
        await press(pilot, "enter")  # Enter in the expression: use it
        assert isinstance(app.screen, RunDialog)
        assert DRAFTED in text_of(app, "#run-condition-text")
        assert "to run 1 ·" in text_of(app, "#run-estimate")  # re-estimated: only Ana fits
    assert enrich_service.get_column(sb_ws, sb_table, EMAIL).condition == DRAFTED


async def test_formula_form_drafts_the_expression(sb_ws, sb_table):
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AddColumnScreen(sb_ws, sb_table))
        await settle(pilot)
        await app.screen.show_action("formula")
        app.screen.query_one("#action", Select).value = "formula"
        await settle(pilot)
        app.screen.query_one("#param-expression", Input).focus()
        await press(pilot, "f3")
        assert "formula" in str(app.screen.query_one("Vertical").border_title)
        await draft(pilot, "full name")
        assert "First values: Ana Ng, Ben Smith, Cleo Okafor" in text_of(app, "#draft-status")
        await press(pilot, "enter")
        assert isinstance(app.screen, AddColumnScreen)
        value = app.screen.query_one("#param-expression", Input).value
        assert value == "concat_ws(' ', first_name, last_name)"


def test_draft_screen_snapshot(snap_compare, sb_ws, sb_table, email_column) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        grid_of(pilot.app).move_to_column(EMAIL)
        await press(pilot, "e", "f3")
        await draft(pilot, "US companies with 50 to 500 employees, SaaS")

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)


async def test_add_column_form_takes_ai_fields(sb_ws, sb_table):
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AddColumnScreen(sb_ws, sb_table))
        await settle(pilot)
        await app.screen.show_action("ai_prompt")
        screen = app.screen
        screen.query_one("#param-prompt", Input).value = "Is {{company}} a fit?"
        screen.query_one("#param-fields", Input).value = "qualified bool"
        screen.query_one("#column-name", Input).value = "Qualify"
        screen.query_one("#add-go").press()  # refused in one sentence, nothing added
        await settle(pilot)
        assert "name: type" in text_of(app, "#add-error")
        screen.query_one("#param-fields", Input).value = "qualified: bool, segment: SMB|Large"
        screen.query_one("#add-go").press()
        await settle(pilot)
        assert not isinstance(app.screen, AddColumnScreen)
    spec = enrich_service.get_column(sb_ws, sb_table, "Qualify")
    assert spec.params["fields"] == {"qualified": "bool", "segment": "SMB|Large"}
    assert sb_table.dtype_label("qualified") == "bool" and "segment" in sb_table.columns
