"""Edit, add, delete, undo, save and reopen."""

from __future__ import annotations

from clay_tui.services import tables as table_service
from clay_tui.workspace import Workspace
from tests.functional.driving import SIZE, cell, grid_of, press, said, screen_of, settle, type_text


async def edit_current(pilot, text: str, key: str = "enter") -> None:
    await press(pilot, key)
    field = screen_of(pilot.app).prompt.query_one("#prompt-input")
    field.value = ""
    await type_text(pilot, text)
    await press(pilot, "enter")


async def test_edit_with_enter_and_f2_then_undo(make_app, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first_id = grid_of(app).current_row_id()
        await edit_current(pilot, "Anna")
        assert small_table.row(first_id)["first_name"] == "Anna"
        assert grid_of(app).current_value_text() == "Anna"
        await press(pilot, "end")
        await edit_current(pilot, "999", key="f2")
        assert small_table.row(first_id)["employees"] == 999
        await press(pilot, "ctrl+z")
        assert small_table.row(first_id)["employees"] == 120
        await press(pilot, "ctrl+z")
        assert small_table.row(first_id)["first_name"] == "Ana"
        shown = said(app)
        assert "Undid the edit of first_name in row 1." in shown  # not "Undone: Undid ...."
        assert not any("Undone: Undid" in m or ".." in m for m in shown)


async def test_bad_value_for_the_column_type_is_refused_inline(make_app, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "end")
        version = small_table.version
        await edit_current(pilot, "lots")
        prompt = screen_of(app).prompt
        assert prompt.is_open
        assert str(prompt.query_one("#prompt-error").render()).strip()
        assert small_table.version == version
        assert small_table.row(grid_of(app).current_row_id())["employees"] == 120


async def test_add_row_and_delete_current_and_selected_rows(make_app, small_table) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        assert small_table.row_count == 13
        assert cell(app)[0] == 12  # cursor on the new row
        await press(pilot, "d")  # deletes the current (new) row
        assert small_table.row_count == 12
        await press(pilot, "ctrl+home", "space", "space")  # select rows 1 and 2
        assert len(grid_of(app).selected) == 2
        await press(pilot, "delete")
        assert small_table.row_count == 10
        assert grid_of(app).row_count == 10
        assert not grid_of(app).selected
        await press(pilot, "ctrl+z")
        assert small_table.row_count == 12


async def test_save_and_reopen_keeps_edits(make_app, small_table, settings, clock) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row_id = grid_of(app).current_row_id()
        await edit_current(pilot, "Zed")
        await press(pilot, "ctrl+s")
        assert screen_of(app).saved_version == small_table.version
        await press(pilot, "down")
        second = grid_of(app).current_row_id()
        await edit_current(pilot, "Yan")
        await press(pilot, "q")  # quitting saves too
    assert screen_of(app).saved_version == small_table.version
    with Workspace.open(settings, clock) as ws2:
        reopened = table_service.open_table(ws2, small_table.name)
        assert reopened is not small_table
        assert reopened.row(row_id)["first_name"] == "Zed"
        assert reopened.row(second)["first_name"] == "Yan"


async def test_save_sets_screen_state_on_the_apps_thread(make_app, monkeypatch) -> None:
    """ctrl+s saves in a worker thread; the saved_version (of the save part) changes only on
    the app's thread (the worker posts a message), never from the worker."""
    import threading

    from clay_tui.ui.components.save_export import SaveExport

    writers: list[threading.Thread] = []

    def get(self: SaveExport) -> int | None:
        return self.__dict__.get("_saved_version_probe")

    def put(self: SaveExport, value: int | None) -> None:
        writers.append(threading.current_thread())
        self.__dict__["_saved_version_probe"] = value

    monkeypatch.setattr(SaveExport, "saved_version", property(get, put), raising=False)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await edit_current(pilot, "Zed")
        writers.clear()
        await press(pilot, "ctrl+s")
        assert writers, "the save did not record what it saved"
        assert all(t is threading.main_thread() for t in writers)
