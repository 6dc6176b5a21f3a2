"""CLI verbs: `import FILE [--name] [--sheet]`, `tables`, `export TABLE OUT`, and broken files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _register, cli

# the verbs that read and write the workspace run on a folder and on a PostgreSQL team
# workspace (ON_BOTH); argument checks do not touch it and run once
ON_BOTH = pytest.mark.usefixtures("cli_on_backend")

_register()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text("name,zip,employees\nAnn,08123,10\nBob,94107,250\n", encoding="utf-8")
    return path


@ON_BOTH
def test_import_prints_name_rows_columns_and_types(people: Path) -> None:
    result = run("import", str(people))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Imported people: 2 rows, 3 columns"
    assert [line.split() for line in lines[1:]] == [
        ["name", "text"],
        ["zip", "text"],
        ["employees", "int"],
    ]
    again = run("import", str(people))
    assert again.output.splitlines()[0] == "Opened existing table people: 2 rows, 3 columns"


def test_import_with_name_and_notices(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_bytes("a;a\nJosé;1;extra\n".encode("cp1252"))
    result = run("import", str(path), "--name", "clients")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported clients: 1 rows, 3 columns")
    assert "note: Read as cp1252: the file is not UTF-8." in result.output
    assert "a_2" in result.output and "column_3" in result.output


def test_import_xlsx_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    pl.DataFrame({"x": [1]}).write_excel(path, worksheet="First")
    import xlsxwriter  # noqa: F401 - write_excel needs it

    result = run("import", str(path), "--sheet", "Missing")
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == "clay-tui: book.xlsx has no sheet named 'Missing' (sheets: First)."
    )


@ON_BOTH
def test_tables_lists_the_workspace(people: Path) -> None:
    assert "No tables yet" in run("tables").output
    run("import", str(people))
    result = run("tables")
    assert result.exit_code == 0
    header, row = result.output.splitlines()
    assert header.split() == ["id", "name", "rows", "cols", "source"]
    assert row.split() == ["1", "people", "2", "3", str(people.resolve())]


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx"])
@ON_BOTH
def test_export_round_trips(people: Path, tmp_path: Path, ext: str) -> None:
    run("import", str(people))
    out = tmp_path / f"out.{ext}"
    result = run("export", "people", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported people (2 rows) to {out}."
    if ext == "csv":
        assert (
            out.read_text(encoding="utf-8") == "name,zip,employees\nAnn,08123,10\nBob,94107,250\n"
        )
    elif ext == "parquet":
        assert pl.read_parquet(out).rows() == [("Ann", "08123", 10), ("Bob", "94107", 250)]
    else:
        assert pl.read_excel(out).get_column("zip").to_list() == ["08123", "94107"]


def test_export_errors(people: Path, tmp_path: Path) -> None:
    run("import", str(people))
    for args, message in [
        (("export", "nope", str(tmp_path / "o.csv")), "clay-tui: No table named 'nope'"),
        (("export", "people", str(tmp_path / "o.json")), "clay-tui: Cannot export to o.json"),
        (("export", "people", str(tmp_path / "no" / "o.csv")), "clay-tui: Folder"),
    ]:
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def _broken(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "notes.docx").write_text("hello", encoding="utf-8")
    (tmp_path / "bad.parquet").write_text("not parquet", encoding="utf-8")
    return {
        "missing": tmp_path / "missing.csv",
        "folder": tmp_path / "folder.csv",
        "empty": tmp_path / "empty.csv",
        "binary": tmp_path / "binary.csv",
        "extension": tmp_path / "notes.docx",
        "parquet": tmp_path / "bad.parquet",
    }


@pytest.mark.parametrize("case", ["missing", "folder", "empty", "binary", "extension", "parquet"])
def test_broken_file_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    result = run("import", str(_broken(tmp_path)[case]))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("clay-tui: ") and lines[0].endswith(".")
    assert "Traceback" not in result.stderr
