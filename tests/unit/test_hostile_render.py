"""Hostile-input corpus (issue 9): text from strangers, made inert for the terminal and safe
for spreadsheets. Each case is a cell, a header, a file name, a filter or a search text that
someone could send; the sanitiser must leave nothing a terminal acts on, keep every visible
character, and cost almost nothing on clean text.
"""

from __future__ import annotations

import time
import unicodedata

import pytest

from clay_tui.table.csv_guard import guard_text, is_dangerous
from clay_tui.table.inert import inert, inert_chars, inert_lines, is_inert

# (id, hostile text, a placeholder the result must show)
CORPUS = [
    ("osc_title", "\x1b]0;pwned\x07", "␛]0;pwned␇"),
    ("osc_title_st", "\x1b]2;pwned\x1b\\", "␛]2;pwned␛\\"),
    ("clear_screen", "\x1b[2J", "␛[2J"),
    ("clear_and_home", "\x1b[2J\x1b[H", "␛[2J␛[H"),
    ("sgr_red", "\x1b[31mred\x1b[0m", "␛[31mred␛[0m"),
    ("sgr_hidden", "\x1b[8msecret", "␛[8msecret"),
    ("osc8_link", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", "␛]8;;http"),
    ("cursor_up", "\x1b[1A\x1b[2K", "␛[1A␛[2K"),
    ("cursor_save", "\x1b7\x1b8", "␛7␛8"),
    ("alt_screen_off", "\x1b[?1049l", "␛[?1049l"),
    ("mouse_on", "\x1b[?1000h", "␛[?1000h"),
    ("bracketed_paste_end", "\x1b[201~", "␛[201~"),
    ("dcs", "\x1bP+q544e\x1b\\", "␛P+q544e"),
    ("report_request", "\x1b[6n", "␛[6n"),
    ("backspaces", "abc\x08\x08\x08XYZ", "abc␈␈␈XYZ"),
    ("carriage_return", "safe\rEVIL", "safe⏎EVIL"),
    ("crlf", "a\r\nb", "a⏎b"),
    ("newline", "line1\nline2", "line1⏎line2"),
    ("bell", "ding\x07", "ding␇"),
    ("nul", "a\x00b", "a␀b"),
    ("vertical_tab", "a\x0bb", "a␋b"),
    ("form_feed", "a\x0cb", "a␌b"),
    ("shift_out", "a\x0eb", "a␎b"),
    ("del", "a\x7fb", "a␡b"),
    ("c1_csi", "x\x9b31my", "x\ufffd31my"),
    ("c1_osc", "x\x9d0;t\x9c", "x\ufffd0;t\ufffd"),
    ("c1_nel", "a\x85b", "a\ufffdb"),
    ("bidi_rlo", "user\u202egnp.exe", "user\ufffdgnp.exe"),
    ("bidi_lre_pdf", "\u202aab\u202c", "\ufffdab\ufffd"),
    ("bidi_isolates", "\u2066x\u2067y\u2068z\u2069", "\ufffdx\ufffdy\ufffdz\ufffd"),
    ("line_separator", "one\u2028two", "one⏎two"),
    ("paragraph_separator", "one\u2029two", "one⏎two"),
    ("tab", "a\tb", "a b"),
    ("many_escapes", "\x1b" * 1000, "␛" * 1000),
]
MARKUP = [
    "[/]",
    "[/bold]",
    "[bold red]x",
    "[link=http://e.x]x[/link]",
    "[@click=app.quit]q[/]",
    "zz[/]zz",
    "$accent [b]",
    "[[/]]",
    "\\[/]",
    "[on red]",
]
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1)",
    "-2+3",
    "\t=1",
    "\r=1+1",
    '=HYPERLINK("http://e.x","x")',
    "=1+1\x1b[31m",
    "＝1+1",
    "@\x1b[2J",
]


@pytest.mark.parametrize(("text", "shown"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_inert_shows_every_control_as_a_placeholder(text: str, shown: str) -> None:
    out = inert(text)
    assert is_inert(out)
    assert shown in out
    assert not any(unicodedata.category(c) in ("Cc",) for c in out)


@pytest.mark.parametrize("text", [c[1] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_inert_chars_keeps_positions(text: str) -> None:
    """An input field draws the value with inert_chars: one placeholder per character."""
    out = inert_chars(text)
    assert is_inert(out) and len(out) == len(text)


@pytest.mark.parametrize("text", [c[1] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_inert_lines_keeps_line_breaks_only(text: str) -> None:
    out = inert_lines(text)
    assert all(is_inert(line) for line in out.split("\n"))


@pytest.mark.parametrize("text", MARKUP)
def test_markup_is_left_as_typed(text: str) -> None:
    """Markup is not a terminal hazard: it stays as typed (widgets show it as literal text)."""
    assert inert(text) == text


@pytest.mark.parametrize("text", ["Ann", "José Ñúñez", "東京", "👩‍💻 dev", "naïve café", "", " "])
def test_clean_text_is_returned_unchanged(text: str) -> None:
    assert is_inert(text)
    assert inert(text) == text and inert_lines(text) == text and inert_chars(text) == text


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_corpus_is_guarded_for_csv(text: str) -> None:
    assert is_dangerous(text)
    assert guard_text(text).startswith("'")


def test_clean_text_costs_one_scan() -> None:
    """The grid formats every visible cell: clean text must stay cheap (well under 2 µs)."""
    cells = [f"person{i}@example.com" for i in range(20_000)]
    started = time.perf_counter()
    for cell in cells:
        inert(cell)
    per_cell = (time.perf_counter() - started) / len(cells)
    assert per_cell < 5e-6, per_cell


@pytest.mark.parametrize("name", ["[/].csv", "\x1b]0;x\x07.csv", "a\rb.csv", "user\u202evsc.exe"])
def test_hostile_file_names(name: str) -> None:
    out = inert(name)  # what the header, status bar and notifications show
    assert is_inert(out) and len(out) == len(name)


@pytest.mark.parametrize("name", ["[bold]leads.parquet", "leads[1].parquet", "a*b?.parquet"])
def test_parquet_file_named_like_a_glob_opens(workspace, tmp_path, name: str) -> None:
    """Brackets, stars and question marks are file-name characters, not a pattern."""
    import polars as pl

    from clay_tui.services import tables as table_service

    path = tmp_path / name
    pl.DataFrame({"x": [1, 2]}).write_parquet(path)
    table = table_service.import_table(workspace, path)
    assert table.row_count == 2


def test_workspace_folder_named_like_a_glob(tmp_path) -> None:
    """A workspace under ``w[1]/``: its snapshots are read back by name, not as a pattern."""
    from click.testing import CliRunner

    from clay_tui.cli.main import _register, cli

    _register()
    src = tmp_path / "t.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    ws = str(tmp_path / "w[1]")
    runner = CliRunner()
    assert runner.invoke(cli, ["--workspace", ws, "import", str(src)]).exit_code == 0
    listed = runner.invoke(cli, ["--workspace", ws, "tables"])
    assert listed.output.splitlines()[1].split()[:4] == ["1", "t", "1", "2"]
    out = tmp_path / "o.csv"
    result = runner.invoke(cli, ["--workspace", ws, "export", "t", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "a,b\n1,2\n"


def test_cli_run_info_and_providers_print_provider_errors_inert(workspace, tmp_path) -> None:
    """What a provider answered is printed by ``run-info`` and ``providers``: as placeholders,
    never escapes."""
    from click.testing import CliRunner

    from clay_tui.cli.main import _register, cli
    from clay_tui.services import enrich as enrich_service
    from clay_tui.services import tables as table_service
    from clay_tui.services.enrich import ColumnSpec

    _register()
    src = tmp_path / "leads.csv"
    src.write_text("first_name,last_name,company\nAna,Ng,Acme\n", encoding="utf-8")
    table = table_service.import_table(workspace, src)
    table.save()
    spec = enrich_service.add_column(
        workspace,
        table,
        ColumnSpec(
            name="Work Email",
            action="find_work_email",
            inputs={"first_name": "first_name", "last_name": "last_name", "company": "company"},
        ),
    )
    with workspace.transaction() as db:
        db.execute(
            "INSERT INTO cells (table_id, column_id, row_id, status, error, provider, updated_at)"
            " VALUES (?, ?, 1, 'error', ?, 'hunter', '2026-11-15T12:00:00')",
            (table.id, spec.id, "bad \x1b]0;pwned\x07 answer\x1b[2J"),
        )
    result = CliRunner().invoke(cli, ["run-info", "leads", "Work Email"])
    assert result.exit_code == 0, result.output
    assert "Error       bad ␛]0;pwned␇ answer␛[2J" in result.stdout
    providers = CliRunner().invoke(cli, ["providers"])
    assert providers.exit_code == 0, providers.output
    assert "last error 2026-11-15T12:00:00: bad ␛]0;pwned␇ answer␛[2J" in providers.stdout
    for output in (result.stdout, providers.stdout):
        assert "\x1b" not in output and "\x07" not in output
