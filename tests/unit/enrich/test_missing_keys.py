"""A live provider without its key stops the run before any call, with one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from clay_tui.errors import ClayError
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws


@pytest.fixture
def live_ws(tmp_path, clock):
    ws = make_ws(tmp_path, clock, mode="live")
    yield ws
    ws.close()


async def test_run_without_keys_is_refused_before_any_call(live_ws, monkeypatch) -> None:
    table = tables.import_table(live_ws, SAMPLE_LEADS, name="leads")
    for spec in enrich.load_recipe(Path("sample_tables/recipes/find_work_email.toml")):
        enrich.add_column(live_ws, table, spec)
    before = credits_svc.balance(live_ws).available
    with pytest.raises(ClayError) as info:
        await enrich.run_column(live_ws, table, "Work Email", enrich.RowSelection("first", limit=5))
    message = str(info.value)
    assert "PROSPEO_API_KEY and HUNTER_API_KEY" in message and "nothing was called" in message
    assert live_ws.db.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 0
    assert credits_svc.balance(live_ws).available == before

    monkeypatch.setenv("PROSPEO_API_KEY", "p-key")
    assert enrich.missing_keys(live_ws, enrich.get_column(live_ws, table, "Work Email")) == [
        "HUNTER_API_KEY"
    ]


def test_free_actions_need_no_key(live_ws) -> None:
    table = tables.import_table(live_ws, SAMPLE_LEADS, name="leads")
    for spec in enrich.load_recipe(Path("sample_tables/recipes/cleaning.toml")):
        enrich.add_column(live_ws, table, spec)
    assert all(enrich.missing_keys(live_ws, s) == [] for s in enrich.list_columns(live_ws, table))
