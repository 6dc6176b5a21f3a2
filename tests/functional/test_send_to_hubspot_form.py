"""The Send to HubSpot form: picking the action shows the property mapping (guessed from the
table's columns), the user changes it, and the column stores exactly that mapping."""

from __future__ import annotations

from textual.widgets import Input, Select

from clay_tui.services import enrich as enrich_service
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.add_column_screen import AddColumnScreen
from clay_tui.ui.widgets.crm_mapping import CrmMapping
from tests.functional.driving import SIZE, press, settle
from tests.functional.test_enrichment import push


async def test_the_mapping_is_guessed_edited_and_stored(sb_ws, sb_table) -> None:
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "plus")
        form = app.screen
        assert isinstance(form, AddColumnScreen)
        form.query_one("#action", Select).value = "send_to_crm"
        await settle(pilot)
        mapping = form.query_one(CrmMapping)
        assert form.query_one("#in-company", Select).value == "company"
        assert mapping.mapping()["firstname"] == "first_name"
        assert "city" not in mapping.mapping()  # the sample has no city column: not sent
        form.query_one("#crm-city", Select).value = "country"
        form.query_one("#crm-phone", Select).clear()
        assert form.query_one("#column-name", Input).value == "Send to HubSpot"
        await push(pilot, "#add-go")  # this table has no email column: email is required
        assert app.screen is form and "email" in str(form.query_one("#add-error").render())
        form.query_one("#in-email", Select).value = "last_name"
        await push(pilot, "#add-go")
        assert not isinstance(app.screen, AddColumnScreen)
    spec = enrich_service.get_column(sb_ws, sb_table, "Send to HubSpot")
    assert spec.action == "send_to_crm"
    assert spec.params["properties"]["city"] == "country"
    assert "phone" not in spec.params["properties"]
    assert spec.params["properties"]["lastname"] == "last_name"


def test_send_to_hubspot_form_snapshot(snap_compare, sb_ws, sb_table) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        pilot.app.screen.query_one("#action", Select).value = "send_to_crm"
        await settle(pilot)

    assert snap_compare(ClayApp(sb_ws, sb_table), terminal_size=SIZE, run_before=before)
