"""Every loading case of issue 2, item 6, built as small files in tmp_path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest

from clay_tui.errors import TableLoadError
from clay_tui.table import loading
from clay_tui.table.headers import clean_names
from clay_tui.table.inference import infer_types
from clay_tui.table.loading import load_file


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("delimiter", "name"), [(",", "a.csv"), (";", "b.csv"), ("\t", "c.tsv"), ("|", "d.txt")]
)
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    text = delimiter.join(["name", "city", "note"]) + "\n"
    text += delimiter.join(["Ann", "Paris", '"a, b; c|d"']) + "\n"  # other delimiters in a field
    text += delimiter.join(["Bob", "Oslo", "x"]) + "\n"
    frame = load_file(write(tmp_path, name, text)).frame
    assert frame.columns == ["name", "city", "note"]
    assert frame.get_column("city").to_list() == ["Paris", "Oslo"]
    assert frame.get_column("note").to_list() == ["a, b; c|d", "x"]


def test_quoted_delimiter_does_not_fool_the_sniffer(tmp_path: Path) -> None:
    text = 'a;b\n"1,5";"2,5"\n"3,1";"4,2"\n'
    frame = load_file(write(tmp_path, "q.csv", text)).frame
    assert frame.columns == ["a", "b"]
    assert frame.get_column("a").to_list() == ["1,5", "3,1"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "bom.csv", "\ufeffname,city\nZoë,Zürich\n"))
    assert loaded.frame.columns == ["name", "city"]
    assert loaded.frame.row(0) == ("Zoë", "Zürich")
    assert loaded.notices == []


def test_cp1252_fallback_with_notice(tmp_path: Path) -> None:
    data = "name;city;price\nJosé;München;5 €\n".encode("cp1252")
    loaded = load_file(write(tmp_path, "win.csv", data))
    assert loaded.frame.row(0) == ("José", "München", "5 €")
    assert loaded.notices == ["Read as cp1252: the file is not UTF-8."]


def test_latin1_when_cp1252_cannot_decode(tmp_path: Path) -> None:
    data = b"name,code\nA\x81B,1\n"  # 0x81 is undefined in cp1252
    loaded = load_file(write(tmp_path, "l1.csv", data))
    assert loaded.frame.get_column("name").to_list() == ["A\x81B"]
    assert any("latin-1" in n for n in loaded.notices)


def test_utf16_with_bom(tmp_path: Path) -> None:
    data = "name,n\nÅsa,1\n".encode("utf-16")
    frame = load_file(write(tmp_path, "u16.csv", data)).frame
    assert frame.row(0) == ("Åsa", 1)


def test_quoted_fields_with_embedded_newlines(tmp_path: Path) -> None:
    text = 'name,address\n"Ann","1 Main St\nSuite 5"\nBob,"2 ""Old"" Rd"\n'
    frame = load_file(write(tmp_path, "nl.csv", text)).frame
    assert frame.height == 2
    assert frame.get_column("address").to_list() == ["1 Main St\nSuite 5", '2 "Old" Rd']


def test_crlf_line_endings(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "crlf.csv", "a,b\r\n1,x\r\n2,y\r\n")).frame
    assert frame.get_column("b").to_list() == ["x", "y"]
    assert frame.get_column("a").to_list() == [1, 2]


def test_short_rows_are_padded(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "short.csv", "a,b,c\n1,2,3\n4\n5,6\n")).frame
    assert frame.rows() == [(1, 2, 3), (4, None, None), (5, 6, None)]


def test_extra_fields_are_kept_as_extra_columns(tmp_path: Path) -> None:
    text = "a,b\n1,2\n3,4,5,6\n7,8\n"
    loaded = load_file(write(tmp_path, "long.csv", text))
    assert loaded.frame.columns == ["a", "b", "column_3", "column_4"]
    assert loaded.frame.row(1) == (3, 4, 5, 6)
    assert loaded.frame.row(0) == (1, 2, None, None)
    assert any("more fields than the header" in n for n in loaded.notices)


def test_blank_and_duplicate_headers_are_renamed(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "h.csv", "name,,name,email,name\n1,2,3,4,5\n"))
    assert loaded.frame.columns == ["name", "column_2", "name_2", "email", "name_3"]
    assert loaded.notices


def test_header_names_are_stripped(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "sp.csv", " name , email\nA,b\n")).frame
    assert frame.columns == ["name", "email"]


def test_user_column_named_row_id_is_renamed(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "rid.csv", "_row_id,name\n10,A\n"))
    assert loaded.frame.columns == ["row_id", "name"]
    assert any("_row_id" in n for n in loaded.notices)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "ho.csv", "a,b,c\n")).frame
    assert frame.columns == ["a", "b", "c"] and frame.height == 0


def test_empty_cells_are_null_and_spaces_are_kept_in_text(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "e.csv", "name,company\n Ann ,\nBob,  Acme\n")).frame
    assert frame.rows() == [(" Ann ", None), ("Bob", "  Acme")]


def test_parquet_is_read_and_types_normalised(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame(
        {
            "a": pl.Series([1, 2], dtype=pl.Int16),
            "b": [1.5, None],
            "c": ["x", "y"],
            "_row_id": [7, 8],
        }
    ).write_parquet(path)
    loaded = load_file(path)
    assert loaded.frame.schema == pl.Schema(
        {"a": pl.Int64, "b": pl.Float64, "c": pl.String, "row_id": pl.Int64}
    )


def test_xlsx_first_sheet_and_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    first = book.add_worksheet("People")
    for r, row in enumerate(
        [["name", "zip", "n", "name"], ["Ann", "08123", 3, "x"], ["Bob", "1", 4.5, "y"]]
    ):
        first.write_row(r, 0, row)
    second = book.add_worksheet("Firms")
    second.write_row(0, 0, ["firm", "employees", "since", "active"])
    second.write_row(1, 0, ["Acme", 120])
    second.write_datetime(
        1, 2, dt.datetime(2024, 1, 2), book.add_format({"num_format": "yyyy-mm-dd"})
    )
    second.write_boolean(1, 3, True)
    book.close()
    people = load_file(path).frame
    assert people.columns == ["name", "zip", "n", "name_2"]
    assert people.get_column("zip").to_list() == ["08123", "1"]
    assert people.get_column("n").to_list() == [3.0, 4.5]
    firms = load_file(path, sheet="Firms").frame
    assert firms.schema["since"] == pl.Date and firms.schema["active"] == pl.Boolean
    assert firms.rows() == [("Acme", 120, dt.date(2024, 1, 2), True)]
    with pytest.raises(TableLoadError, match="no sheet named 'Nope'"):
        load_file(path, sheet="Nope")


# ------------------------------------------------------------------ errors: one sentence each
def _one_sentence(exc: TableLoadError) -> str:
    msg = str(exc)
    assert "\n" not in msg and msg.endswith(".") and "Traceback" not in msg
    return msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableLoadError, match="File not found") as info:
        load_file(tmp_path / "nope.csv")
    _one_sentence(info.value)


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(TableLoadError, match="is a folder") as info:
        load_file(tmp_path / "dir.csv")
    _one_sentence(info.value)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_no_permission(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.csv", "a\n1\n")
    path.chmod(0)
    try:
        with pytest.raises(TableLoadError, match="No permission") as info:
            load_file(path)
        _one_sentence(info.value)
    finally:
        path.chmod(0o644)


def test_no_permission_reported_by_access_check(tmp_path: Path, monkeypatch) -> None:
    """Runs even as root: the access check is what decides."""
    path = write(tmp_path, "secret.csv", "a\n1\n")
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(TableLoadError, match="No permission to read") as info:
        load_file(path)
    _one_sentence(info.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(TableLoadError, match="is empty") as info:
        load_file(write(tmp_path, "empty.csv", content))
    _one_sentence(info.value)


def test_binary_file_named_csv(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    with pytest.raises(TableLoadError, match="not a text table") as info:
        load_file(write(tmp_path, "img.csv", data))
    _one_sentence(info.value)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    with pytest.raises(TableLoadError, match="not a readable Parquet") as info:
        load_file(write(tmp_path, "x.parquet", "a,b\n1,2\n"))
    _one_sentence(info.value)


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    with pytest.raises(TableLoadError, match="not a readable spreadsheet") as info:
        load_file(write(tmp_path, "x.xlsx", "a,b\n1,2\n"))
    _one_sentence(info.value)


@pytest.mark.parametrize("name", ["notes.docx", "data.json", "README"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(TableLoadError, match="not a supported file type") as info:
        load_file(write(tmp_path, name, "a,b\n1,2\n"))
    _one_sentence(info.value)


def test_single_column_file(tmp_path: Path) -> None:
    frame = load_file(write(tmp_path, "one.csv", "email\na@x.com\nb@y.org\n")).frame
    assert frame.columns == ["email"] and frame.height == 2


@pytest.mark.parametrize(
    "text",
    [
        'name,zip,n,note\nAnn,08123,1,"a, ""b"""\nBob,,2,\n',  # clean: polars.read_csv
        'a,b\n1,2\n3,4,5,"six\nlines"\n7\n',  # extra fields: polars reading wider
    ],
)
def test_polars_and_csv_module_paths_agree(tmp_path: Path, text: str) -> None:
    """What Polars reads equals what the careful csv-module path reads from the same text."""
    path = write(tmp_path, "same.csv", text)
    fast = load_file(path)
    careful, notices = loading._python_csv(path, text)
    careful, _ = loading._drop_blank_rows(careful)
    assert fast.frame.equals(infer_types(careful))
    long_notice = [n for n in notices if "more fields" in n]
    assert long_notice == [n for n in fast.notices if "more fields" in n]


def test_rows_far_wider_than_the_header_take_the_careful_path(tmp_path: Path) -> None:
    wide = ",".join(str(i) for i in range(300))
    loaded = load_file(write(tmp_path, "wide.csv", f"a,b\n1,2\n{wide}\n"))
    assert loaded.frame.width == 300
    assert loaded.frame.row(1)[-1] == 299
    assert loaded.frame.columns[-1] == "column_300"


def test_blank_lines_are_skipped_with_a_notice(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "gaps.csv", "a,b\n1,2\n\n,\n3,4\n\n\n"))
    assert loaded.frame.rows() == [(1, 2), (3, 4)]
    assert "Skipped 4 blank row(s)." in loaded.notices
    careful = load_file(write(tmp_path, "gaps2.csv", "a,b\n1,2\n\n,\n3,4,5\n")).frame
    assert careful.rows() == [(1, 2, None), (3, 4, 5)]


# ---------------------------------------------------------------- wide tables (issue 10, item 8)
def _wide_csv(tmp_path: Path, columns: int, rows: int = 1, header: str = "column") -> Path:
    names = ",".join(f"{header}_{i}" for i in range(columns))
    body = "".join(
        ",".join(str(i * r) if i % 2 else f"text {i}" for i in range(columns)) + "\n"
        for r in range(1, rows + 1)
    )
    return write(tmp_path, "wide.csv", names + "\n" + body)


def test_a_header_longer_than_the_sample_takes_the_fast_path(tmp_path: Path, monkeypatch) -> None:
    """A 5,000-column header is longer than the 64 KB sample: it must still be read whole."""
    path = _wide_csv(tmp_path, 5000, rows=3, header="a_rather_long_column_name")
    assert path.read_bytes().index(b"\n") > loading.SAMPLE_BYTES

    def careful(*args: object) -> None:
        raise AssertionError("the csv-module path was taken")

    monkeypatch.setattr(loading, "_python_csv", careful)
    loaded = load_file(path)
    assert loaded.frame.shape == (3, 5000) and loaded.notices == []
    assert loaded.frame.columns[-1] == "a_rather_long_column_name_4999"
    assert loaded.frame.schema["a_rather_long_column_name_1"] == pl.Int64
    assert loaded.frame.row(2)[:2] == ("text 0", 3)


@pytest.mark.timeout(20)  # a linear pass takes milliseconds; the quadratic one, minutes
def test_many_repeated_header_names_are_numbered_in_one_pass() -> None:
    """20,000 columns all named ``x``: each repeat used to count up from ``x_2`` (quadratic)."""
    names, notices = clean_names(["x"] * 20_000 + ["", "x_3"])
    assert names[:4] == ["x", "x_2", "x_3", "x_4"]
    assert names[19_999] == "x_20000"
    assert names[20_000] == "column_20001"
    assert names[20_001] == "x_3_2"  # x_3 was taken by a repeat before this header came
    assert len(set(names)) == len(names)
    assert notices == [
        "1 column(s) had no header and were named by position (column_N).",
        "20000 repeated column name(s) got a suffix (name_2, name_3...).",
    ]
