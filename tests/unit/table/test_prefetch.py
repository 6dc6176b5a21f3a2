"""`clay-tui FILE` starts opening FILE before the TUI loads (start-up); the app's own
open_table then takes that result: the file is read once, and an error reads the same."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clay_tui.errors import ClayError
from clay_tui.services import tables
from clay_tui.table.lead_table import ROW_ID, snapshot_path, wait_for_pending
from clay_tui.table.loading import PREVIEW_MIN_BYTES


@pytest.fixture
def counted_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = tables.load_file

    def load_file(path, **kwargs):
        seen.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(tables, "load_file", load_file)
    yield seen
    tables.settle_prefetch()


def _csv(tmp_path: Path, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text("first_name,company\nAna,Acme\nBen,Globex\n", encoding="utf-8")
    return path


def test_open_takes_the_prefetched_table(workspace, tmp_path: Path, counted_loads) -> None:
    path = _csv(tmp_path)
    tables.prefetch_table(workspace, str(path))
    table = tables.open_table(workspace, str(path))
    assert counted_loads == [path]  # read once, by the prefetch
    assert table.frame.get_column("first_name").to_list() == ["Ana", "Ben"]
    again = tables.open_table(workspace, str(path))  # taken once; later opens find the table
    assert again.id == table.id and counted_loads == [path]


def test_a_prefetch_error_is_the_open_error(workspace, tmp_path: Path, counted_loads) -> None:
    missing = str(tmp_path / "missing.csv")
    with pytest.raises(ClayError) as direct:
        tables.open_table(workspace, missing)
    tables.prefetch_table(workspace, missing)
    with pytest.raises(ClayError) as taken:
        tables.open_table(workspace, missing)
    assert type(taken.value) is type(direct.value) and str(taken.value) == str(direct.value)


def test_another_target_opens_on_its_own(workspace, tmp_path: Path, counted_loads) -> None:
    first, second = _csv(tmp_path, "a.csv"), _csv(tmp_path, "b.csv")
    tables.prefetch_table(workspace, str(first))
    table = tables.open_table(workspace, str(second))
    assert table.name == "b"
    tables.settle_prefetch()  # waits for the prefetch nobody took
    assert sorted(p.name for p in counted_loads) == ["a.csv", "b.csv"]
    assert sorted(t.name for t in tables.list_tables(workspace)) == ["a", "b"]


def _big_csv(tmp_path: Path) -> Path:
    """A CSV big enough to be shown from its first rows while the whole of it loads."""
    path = tmp_path / "big.csv"
    row = "Ana,Acme,a note long enough to make the file a few megabytes big\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("first_name,company,note\n")
        fh.write(row * (PREVIEW_MIN_BYTES // len(row) + 1))
    return path


def test_a_big_file_first_rows_then_the_whole_read_after_they_show(
    workspace, tmp_path: Path, counted_loads
) -> None:
    """The whole read would take both cores from the first screen: it starts once the first
    rows are on screen (``preview_shown``), and the preview is read once, by the prefetch."""
    path = _big_csv(tmp_path)
    tables.prefetch_table(workspace, str(path))
    preview = tables.preview_table(workspace, str(path))
    assert preview is not None and preview.name == "big"
    assert 0 < preview.row_count < 200_000 and preview.columns == ["first_name", "company", "note"]
    assert preview.frame.get_column(ROW_ID).to_list()[:3] == [1, 2, 3]
    time.sleep(0.3)
    assert counted_loads == []  # the whole file waits for the first rows to be painted
    tables.preview_shown()
    table = tables.open_table(workspace, str(path))
    assert counted_loads == [path] and table.row_count > preview.row_count


def test_a_small_file_has_no_first_rows(workspace, tmp_path: Path, counted_loads) -> None:
    path = _csv(tmp_path)
    tables.prefetch_table(workspace, str(path))
    assert tables.preview_table(workspace, str(path)) is None
    assert tables.open_table(workspace, str(path)).row_count == 2  # nothing waited for a paint


def test_a_reopened_big_table_shows_its_snapshot_first_rows(
    workspace, tmp_path: Path, counted_loads, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_csv(tmp_path)
    # (its snapshot compresses the repeated rows to a few KB: count that as big)
    monkeypatch.setattr(tables, "PREVIEW_MIN_BYTES", 1)
    table = tables.import_table(workspace, path)
    table.save()
    wait_for_pending(snapshot_path(workspace, table.id))
    preview = tables.preview_table(workspace, "big")
    assert preview is not None and preview.columns == table.columns
    assert preview.frame.equals(table.frame.head(preview.row_count))
