"""Hostile text in the TUI (issue 9, findings 4 and 5): cells, headers, file names, filter and
search texts and provider errors are shown as inert text. Markup in them is never parsed (it
used to raise MarkupError and crash the app) and control characters never reach the terminal
(ESC, BS, CR, BEL, C1, bidi overrides show as visible placeholders such as ``␛``).

Every check looks at what the app actually painted: all the strips of the composited screen
(grid, header, status bar, prompt, toasts, modal screens), not at a widget's data.
"""

from __future__ import annotations

import csv
import html
import os
import re
from pathlib import Path

import polars as pl
import pytest
from textual.widgets import Input

from clay_tui.services import enrich as enrich_service
from clay_tui.services import tables as table_service
from clay_tui.services.enrich import ColumnSpec
from clay_tui.table.inert import inert, is_inert
from clay_tui.ui.app import ClayApp
from clay_tui.ui.screens.run_info_screen import RunInfoScreen
from tests.functional.driving import SIZE, grid_of, press, said, screen_of, settle, type_text

# Terminal-active text: what must never be painted as it is.
ESCAPES = {
    "title": "\x1b]0;pwned\x07",
    "clear": "\x1b[2J\x1b[H",
    "red": "\x1b[31mred\x1b[0m",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "backspaces": "abc\x08\x08\x08XYZ",
    "cr": "safe\rEVIL",
    "bell": "ding\x07",
    "c1_csi": "x\x9b31my",
    "bidi": "user\u202egnp.exe",
    "del": "a\x7fb",
    "nul": "a\x00b",
    "cursor_home": "\x1b[H\x1b[1;1Hhome",
    "alt_screen": "\x1b[?1049l",
    "line_sep": "one\u2028two",
}
MARKUP = {
    "close": "[/]",
    "close_tag": "[/bold]",
    "open": "[bold red]loud",
    "link": "[link=http://evil.example]x[/link]",
    "at": "[@click=app.quit]quit[/]",
    "unbalanced": "zz[/]zz",
    "var": "$accent [b]",
    "brackets": "[[/]]",
}
HOSTILE = {
    **{f"esc_{k}": v for k, v in ESCAPES.items()},
    **{f"mk_{k}": v for k, v in MARKUP.items()},
}
# The whole tour of the app costs a few seconds per text: by default a few representative
# texts take it (the others are drawn by the tests above and in tests/unit); all of them with
# CLAY_TUI_NIGHTLY=1.
TOUR = ["esc_title", "esc_cr", "mk_close", "mk_link"]
if os.environ.get("CLAY_TUI_NIGHTLY"):
    TOUR = list(HOSTILE)


def painted(app: ClayApp) -> str:
    """Every character the app would send to the terminal as text, from its screenshot (the
    public way to the composed screen): the text of each run, unescaped, joined (the runs
    that only end a line of the screenshot left out; its no-break spaces are spaces)."""
    runs = re.findall(r"<text [^>]*>([^<]*)</text>", app.export_screenshot())
    return "".join(html.unescape(run) for run in runs if run != "\n").replace("\xa0", " ")


def assert_inert(app: ClayApp) -> str:
    text = painted(app)
    bad = sorted({hex(ord(c)) for c in text if not is_inert(c)})
    assert not bad, f"terminal-active characters painted: {bad}"
    return text


def write_hostile(path: Path, header: str, values: list[str]) -> Path:
    """A table whose second column is named ``header`` and holds ``values``: Parquet (any
    character survives, NUL included) or, for a ``.csv`` path, CSV."""
    rows = [[f"row{i}", value, i] for i, value in enumerate(values)]
    if path.suffix == ".parquet":
        columns = list(zip(*rows, strict=True))
        pl.DataFrame({"name": columns[0], header: columns[1], "n": columns[2]}).write_parquet(path)
        return path
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", header, "n"])
        writer.writerows(rows)
    return path


@pytest.fixture
def hostile_table(tmp_path: Path) -> Path:
    """Every hostile text as a cell, and a header full of escapes and markup."""
    return write_hostile(tmp_path / "hostile.parquet", "\x1b[31m[/]evil", list(HOSTILE.values()))


@pytest.fixture
def hostile_csv(tmp_path: Path) -> Path:
    """A CSV a user could be sent: escape codes and markup in its header and cells, padded with
    plain rows so the loader does not take it for a binary file."""
    values = [v for v in HOSTILE.values() if "\x00" not in v] + ["plain text " * 8] * 20
    return write_hostile(tmp_path / "hostile.csv", "\x1b[31m[/]evil", values)


def app_for(workspace, path: Path) -> ClayApp:
    return ClayApp(workspace, table_service.open_table(workspace, path))


async def test_hostile_cells_render_inert_while_scrolling(workspace, hostile_table) -> None:
    app = app_for(workspace, hostile_table)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        text = assert_inert(app)
        assert "␛[31m" in text  # shown, as text
        assert "[/]" in text and "[bold red]loud" in text  # markup shown as typed
        for key in ("right", "pagedown", "down", "down", "end", "pageup", "ctrl+end", "home"):
            await press(pilot, key)
            assert_inert(app)
        grid = grid_of(app)
        assert grid.row_count == len(HOSTILE)  # nothing wiped or merged the rows


async def test_hostile_csv_file_opens_inert(workspace, hostile_csv) -> None:
    app = app_for(workspace, hostile_csv)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "␛[31m[/]evil" in assert_inert(app)
        await press(pilot, "pagedown", "right", "h")
        assert_inert(app)


async def test_grid_line_has_no_control_characters(workspace, hostile_table) -> None:
    """The grid's own strips (render_line), row by row."""
    app = app_for(workspace, hostile_table)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        for y in range(grid.size.height):
            line = "".join(seg.text for seg in grid.render_line(y))
            assert is_inert(line), repr(line)


# ------------------------------------------------------------ the four MarkupError crashes


@pytest.fixture
def markup_csv(tmp_path: Path) -> Path:
    return write_hostile(tmp_path / "markup.csv", "[/]", ["a", "b", "zz"])


async def test_hiding_a_column_named_markup(workspace, markup_csv) -> None:
    app = app_for(workspace, markup_csv)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "right", "h")
        assert "[/]" not in grid_of(app).columns
        assert "Hid [/]" in assert_inert(app)


async def test_filter_with_markup_shows_its_error_as_text(workspace, markup_csv) -> None:
    app = app_for(workspace, markup_csv)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "[/] garbage")
        await press(pilot, "enter")
        screen = screen_of(app)
        assert screen.prompt.is_open  # the error shows inline, the app lives
        assert screen.view.filter_text is None
        assert_inert(app)


async def test_search_miss_with_markup(workspace, markup_csv) -> None:
    app = app_for(workspace, markup_csv)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "zz[/]zz")
        await press(pilot, "enter")
        assert "No match for “zz[/]zz”" in assert_inert(app)


async def test_run_info_with_markup_in_a_provider_error(sb_ws, sb_table, email_column) -> None:
    error = "Upstream said [/] nope [bold]x \x1b]0;pwned\x07\x1b[2J"
    app = ClayApp(sb_ws, sb_table)
    tall = (SIZE[0], SIZE[1] + 20)  # Run Info's recent errors sit below its spend and run rows
    async with app.run_test(size=tall, notifications=True) as pilot:
        await settle(pilot)
        with sb_ws.transaction() as db:  # what a provider answered, as the engine stores it
            db.execute(
                "INSERT INTO cells (table_id, column_id, row_id, status, error, updated_at)"
                " VALUES (?, ?, 1, 'error', ?, '2026-11-15T12:00:00')",
                (sb_table.id, email_column.id, error),
            )
        grid = grid_of(app)
        grid.move_to_column(email_column.name)
        await press(pilot, "i")
        assert isinstance(app.screen, RunInfoScreen)
        text = assert_inert(app)
        assert "Upstream said [/] nope [bold]x" in text and "␛]0;pwned␇␛[2J" in text


# ------------------------------------------------------------ the corpus: one text at a time


@pytest.mark.parametrize("text", [HOSTILE[k] for k in TOUR], ids=TOUR)
async def test_hostile_header_through_every_screen(workspace, tmp_path: Path, text: str) -> None:
    """One hostile text as a header and a cell; then search it, filter on it, go to it, open
    its column menu, Run Info, the columns chooser, hide it, bring it back from the command
    palette, and edit it. Nothing crashes, nothing terminal-active is painted."""
    path = write_hostile(tmp_path / "h.parquet", text, [text, "plain"])
    app = app_for(workspace, path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert_inert(app)
        screen = screen_of(app)
        column = grid_of(app).columns[1]
        grid_of(app).move_to_column(column)
        await settle(pilot)
        assert_inert(app)  # status bar names the column
        for mode in ("slash", "f"):  # search (a hit), then a filter that fails
            await press(pilot, mode)
            field = screen.prompt.query_one("#prompt-input", Input)
            field.value = text + " garbage" if mode == "f" else text
            await press(pilot, "enter")
            assert_inert(app)
            if screen.prompt.is_open:
                await press(pilot, "escape")
        await press(pilot, "enter")  # edit the cell: the prompt's label is the column name
        assert_inert(app)
        await press(pilot, "escape")
        for key in ("m", "i", "v"):  # column menu, Run Info, columns chooser
            await press(pilot, key)
            assert app.screen is not screen
            assert_inert(app)
            await press(pilot, "escape")
            assert app.screen is screen
        await press(pilot, "h")
        assert column not in grid_of(app).columns
        assert_inert(app)  # the "Hid …" notification
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Show column")
        await settle(pilot)
        assert_inert(app)  # the palette lists the hidden column
        await press(pilot, "escape")


# ------------------------------------------------------------ an enrichment column, hostile name

EVIL_COLUMN = "[/]Work\x1b]0;pwned\x07 Email\x1b[2J"


async def test_hostile_enrichment_column_through_its_screens(sb_ws, sb_table) -> None:
    """An enrichment column whose name is markup and escape codes, run on the sandbox so it
    has spend: its column menu, Run Info, edit form, run dialog, the add-column form (which
    lists it), credit usage, Plans & Billing and the credits summary all show it as text."""
    from clay_tui.ui.widgets.status_bar import StatusBar

    spec = ColumnSpec(
        name=EVIL_COLUMN,
        action="find_work_email",
        inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
    )
    enrich_service.add_column(sb_ws, sb_table, spec)
    await enrich_service.run_column(
        sb_ws, sb_table, EVIL_COLUMN, enrich_service.RowSelection("first", limit=3)
    )
    app = ClayApp(sb_ws, sb_table)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert grid_of(app).move_to_column(EVIL_COLUMN)
        await settle(pilot)
        assert "[/]Work␛]0;pwned␇ Email␛[2J" in assert_inert(app)
        for key in ("m", "i", "e", "r", "plus", "u", "b"):
            await press(pilot, key)
            assert app.screen is not screen, key
            assert_inert(app)
            await press(pilot, "escape")
            await settle(pilot)
            assert app.screen is screen, key
        await pilot.click(StatusBar, offset=(SIZE[0] - 5, 0))  # the credits summary
        await settle(pilot)
        assert_inert(app)


async def test_editing_a_hostile_cell_changes_nothing_unless_typed(workspace, tmp_path) -> None:
    """The edit prompt holds the cell as stored and draws it inert: Enter on it unchanged
    keeps the escape codes as data (it used to store the placeholders, or draw ESC raw)."""
    value = "\x1b[31mred\x1b[0m\nline2"
    path = write_hostile(tmp_path / "e.parquet", "note", [value])
    table = table_service.open_table(workspace, path)
    app = ClayApp(workspace, table)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "right", "enter")
        assert screen_of(app).prompt.is_open
        assert "␛[31mred␛[0m⏎line2" in assert_inert(app)
        await press(pilot, "enter")
        assert table.row(1)["note"] == value


async def test_the_prompt_draws_dropped_control_characters_one_for_one(workspace, tmp_path):
    """Rich drops CR, BEL and BS from a Text: the prompt still draws each as its placeholder,
    so the cursor stays under the character it is on."""
    value = "a\rb\x07c\x08d\x1b"
    table = table_service.open_table(
        workspace, write_hostile(tmp_path / "c.parquet", "note", [value])
    )
    app = ClayApp(workspace, table)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right", "enter")
        field = screen_of(app).prompt.query_one("#prompt-input", Input)
        assert field.value == value
        assert "a⏎b␇c␈d␛" in assert_inert(app)
        assert field.content_width == len(value) + 1  # one cell a character, and the cursor


@pytest.mark.parametrize(
    "stem", ["[bold red]leads", "\x1b]0;pwned\x07leads", "[@click=app.quit]leads\x1b[2J"]
)
async def test_hostile_file_name(workspace, tmp_path, stem: str) -> None:
    """The table is named by its file: the header, the status bar, the table menu and the
    credits summary show that name as text."""
    path = write_hostile(tmp_path / f"{stem}.csv", "x", ["a"])  # no "/" in a file name
    app = app_for(workspace, path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert inert(stem) in assert_inert(app)
        assert str(screen.query_one("#hdr-name").render()) == inert(stem)  # not styled by it
        await press(pilot, "t")
        assert app.screen is not screen
        assert_inert(app)
        await press(pilot, "escape")
        await app.run_action("credits_popover")
        await settle(pilot)
        assert app.screen is not screen
        assert_inert(app)


async def test_tui_export_is_guarded_and_says_so(workspace, tmp_path) -> None:
    """`x` writes the CSV through the same guarded export as the CLI."""
    path = write_hostile(tmp_path / "f.parquet", '=HYPERLINK("x")', ["=cmd|' /C calc'!A0", "-2"])
    app = app_for(workspace, path)
    out = tmp_path / "out.csv"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        screen_of(app).prompt.query_one("#prompt-input", Input).value = str(out)
        await press(pilot, "enter")
        assert any("2 cell(s) that would run as formulas got a leading '" in m for m in said(app))
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows == [
        ["name", '\'=HYPERLINK("x")', "n"],
        ["row0", "'=cmd|' /C calc'!A0", "0"],
        ["row1", "-2", "1"],
    ]
