"""TableView: filter, sort, hidden columns, slices, search: state over the frame, never a copy."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from clay_tui.errors import ClayError, ExpressionError
from clay_tui.services import tables as ts
from clay_tui.table.lead_table import ROW_ID, LeadTable
from clay_tui.table.view import TableView
from clay_tui.workspace import Workspace

CSV = """name,country,employees,email
Ann,US,120,ann@acme.com
Bob,FR,15,
Cy,US,,cy@Globex.com
Di,US,3000,
Eve,DE,120,eve@initech.de
"""


@pytest.fixture
def table(workspace: Workspace, tmp_path: Path) -> LeadTable:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    return ts.import_table(workspace, path)


def names(view: TableView) -> list[str]:
    return view.slice(0, view.row_count).get_column("name").to_list()


def test_unfiltered_view_is_the_frame(table: LeadTable) -> None:
    view = TableView(table)
    assert view.row_count == 5
    assert view.visible_columns == ["name", "country", "employees", "email"]
    assert view.slice(1, 3).rows() == [
        (2, "Bob", "FR", 15, None),
        (3, "Cy", "US", None, "cy@Globex.com"),
    ]
    assert view.row_ids() == [1, 2, 3, 4, 5]
    assert view.row_id_at(4) == 5
    with pytest.raises(IndexError):
        view.row_id_at(5)


def test_filter_with_polars_sql(table: LeadTable) -> None:
    view = TableView(table)
    view.set_filter("country = 'US' AND employees > 100")
    assert view.filter_text == "country = 'US' AND employees > 100"
    assert names(view) == ["Ann", "Di"]
    assert view.row_ids() == [1, 4]
    view.set_filter("email IS NULL OR name LIKE 'E%'")
    assert names(view) == ["Bob", "Di", "Eve"]
    view.set_filter(None)
    assert view.filter_text is None and view.row_count == 5
    view.set_filter("   ")
    assert view.filter_text is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("country = ", "is not a valid expression"),
        ("nope = 1", "does not have: nope"),
        ("employees > 'many'", "does not fit the table"),
        ("name", "is not a condition"),
        ('name = "Ann"', "does not have: Ann (text goes in single quotes"),
    ],
)
def test_bad_filter_raises_one_sentence_and_changes_nothing(
    table: LeadTable, text: str, fragment: str
) -> None:
    view = TableView(table)
    view.set_filter("country = 'US'")
    view.set_sort("name", True)
    with pytest.raises(ExpressionError) as info:
        view.set_filter(text)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert view.filter_text == "country = 'US'"
    assert names(view) == ["Di", "Cy", "Ann"]


def test_sort_ascending_descending_nulls_last(table: LeadTable) -> None:
    view = TableView(table)
    view.set_sort("employees")
    assert view.slice(0, 5).get_column("employees").to_list() == [15, 120, 120, 3000, None]
    assert names(view)[:3] == ["Bob", "Ann", "Eve"]  # stable: Ann before Eve
    view.set_sort("employees", descending=True)
    assert view.slice(0, 5).get_column("employees").to_list() == [3000, 120, 120, 15, None]
    assert view.sort == ("employees", True)
    view.set_filter("country = 'US'")
    assert names(view) == ["Di", "Ann", "Cy"]
    view.set_sort(None)
    assert names(view) == ["Ann", "Cy", "Di"]
    with pytest.raises(ClayError):
        view.set_sort("nope")


def test_hidden_columns(table: LeadTable) -> None:
    view = TableView(table)
    view.hide("email")
    view.hide("country")
    view.hide("nope")  # unknown: ignored
    assert view.visible_columns == ["name", "employees"]
    assert view.slice(0, 1).columns == [ROW_ID, "name", "employees"]
    assert view.search("globex") is None  # hidden columns are not searched
    view.show("email")
    assert view.visible_columns == ["name", "employees", "email"]
    view.show_all()
    assert view.hidden == set()


def test_search_is_case_insensitive_in_view_order(table: LeadTable) -> None:
    view = TableView(table)
    assert view.search("GLOBEX") == (2, "email")
    assert view.search("120") == (0, "employees")
    assert view.search("120", 1) == (4, "employees")
    assert view.search("120", 5) is None
    assert view.search("a.b") is None  # literal, not a regex
    view.set_sort("name", True)
    assert view.search("e") == (0, "name")  # Eve first when sorted descending


def test_refresh_follows_table_changes(table: LeadTable) -> None:
    view = TableView(table)
    view.set_filter("country = 'US'")
    rid = table.add_row({"name": "Fay", "country": "US"})
    assert view.row_count == 3  # not refreshed yet: still a consistent old picture
    view.refresh()
    assert names(view) == ["Ann", "Cy", "Di", "Fay"]
    table.delete_rows([1, rid])
    view.refresh()
    assert names(view) == ["Cy", "Di"]
    table.set_cell(3, "country", "FR")
    view.refresh()
    assert names(view) == ["Di"]
    view.hide("email")
    view.set_sort("employees")
    table.rename_column("country", "land")  # the filter no longer fits: it is dropped
    table.delete_column("email")
    table.delete_column("employees")
    view.refresh()
    assert view.filter_text is None and view.sort is None and view.hidden == set()
    assert view.visible_columns == ["name", "land"]


def test_where_row_ids_ignores_the_view(table: LeadTable) -> None:
    view = TableView(table)
    view.set_filter("country = 'FR'")
    assert view.where_row_ids("employees >= 120") == [1, 4, 5]
    assert view.where_row_ids("") == [1, 2, 3, 4, 5]
    with pytest.raises(ExpressionError):
        view.where_row_ids("employees >")


def test_slices_at_a_million_rows_gather_only_what_is_asked(
    workspace: Workspace, tmp_path: Path
) -> None:
    n = 1_000_000
    path = tmp_path / "big.parquet"
    pl.DataFrame(
        {"k": pl.int_range(n, 0, -1, eager=True), "g": pl.int_range(n, eager=True) % 7}
    ).write_parquet(path)
    table = ts.import_table(workspace, path)
    view = TableView(table)
    view.set_sort("k")
    view.set_filter("g = 3")
    assert view.row_count == len(range(3, n, 7))
    window = view.slice(1000, 1050)
    assert window.height == 50
    assert window.get_column("k").is_sorted()
    assert view.row_id_at(0) == window.get_column(ROW_ID)[0] + 7000
    assert view.slice(view.row_count - 2, view.row_count + 10).height == 2


def test_refresh_skips_the_recompute_when_edits_cannot_move_rows(
    table: LeadTable, monkeypatch
) -> None:
    view = TableView(table)
    view.set_filter("country = 'US'")
    view.set_sort("employees", True)
    calls = []
    original = view._compute
    monkeypatch.setattr(view, "_compute", lambda *a: calls.append(a) or original(*a))
    table.set_cell(1, "email", "new@acme.com")  # neither filtered nor sorted on
    view.refresh()
    assert calls == []
    assert view.slice(0, 3).get_column("email").to_list() == [None, "new@acme.com", "cy@Globex.com"]
    table.set_cell(1, "employees", "5000")  # the sort column: order changes
    view.refresh()
    assert len(calls) == 1 and names(view) == ["Ann", "Di", "Cy"]
    table.set_cell(2, "country", "US")  # the filter column: Bob joins
    view.refresh()
    assert len(calls) == 2 and names(view) == ["Ann", "Di", "Bob", "Cy"]


def test_a_dropped_view_stops_listening(table: LeadTable) -> None:
    import gc

    before = len(table._listeners)
    view = TableView(table)
    assert len(table._listeners) == before + 1
    del view
    gc.collect()
    assert len(table._listeners) == before


def test_dates_compare_with_date_literals(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("name,since\nAnn,2020-01-01\nBob,2021-01-01\n", encoding="utf-8")
    view = TableView(ts.import_table(workspace, path))
    view.set_filter("since > DATE '2020-06-01'")
    assert names(view) == ["Bob"]
    with pytest.raises(ExpressionError, match="write dates as DATE 'YYYY-MM-DD'"):
        view.set_filter("since > '2020-06-01'")
