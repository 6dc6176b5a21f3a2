"""`clay-tui FILE` starts opening FILE before the TUI loads (start-up); the app's own
open_table then takes that result: the file is read once, and an error reads the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from clay_tui.errors import ClayError
from clay_tui.services import tables


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
