"""The focus rule (issue 8, item 5): on a form, the first field a user types into has focus,
and app shortcut letters (u, k, b, q) never fire while an input has focus; a second search
starts fresh."""

from __future__ import annotations

from textual.widgets import Input

from clay_tui.ui.screens.providers_screen import ProvidersScreen
from tests.functional.driving import SIZE, cell, press, screen_of, settle, type_text


async def test_typing_on_providers_and_keys_reaches_the_key_field(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "k")
        assert isinstance(app.screen, ProvidersScreen)
        await press(pilot, "down")  # the provider list still moves with the arrows
        await type_text(pilot, "ubkq-9")
        await settle(pilot)
        assert isinstance(app.screen, ProvidersScreen)  # before: u opened Credit usage
        field = app.screen.query_one("#pk-key", Input)
        assert field.value == "ubkq-9" and app.focused is field
        await press(pilot, "b", "u")  # the field has focus: still just letters
        assert isinstance(app.screen, ProvidersScreen) and field.value == "ubkq-9bu"


async def test_a_second_search_starts_fresh(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "fr")
        await press(pilot, "enter")
        assert cell(app) == (3, "country")  # Dev, FR
        await press(pilot, "slash")
        await type_text(pilot, "Okafor")  # before: "frOkafor", found nothing
        await press(pilot, "enter")
        assert screen_of(app).view_jobs.last_search == "Okafor"
        assert cell(app) == (2, "last_name")
