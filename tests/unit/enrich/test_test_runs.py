"""Test runs that test (issue 8, item 1): "first N" means the first N rows this run would
actually call a provider for (condition met, inputs present, not already done), in the
view's order (filter and sort) when there is one, table order otherwise."""

from __future__ import annotations

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import enrich
from tests.unit.enrich.test_sandbox_runs import EMAIL

US_NO_EMAIL = "country = 'US' AND email IS NULL"
# the first rows of sample_tables/leads.csv meeting US_NO_EMAIL (40 qualify in all)
FIRST_US = [15, 22, 24, 27, 31, 33, 36, 40, 49, 50]


def _add(ws, table, condition: str | None = US_NO_EMAIL) -> None:
    enrich.add_column(
        ws, table, ColumnSpec(**{**EMAIL.__dict__, "condition": condition, "id": None})
    )


def test_first_n_are_the_first_rows_meeting_the_condition(sbx_ws, leads):
    _add(sbx_ws, leads)
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=10))
    assert est.rows_to_run == 10  # before: 0 (the first 10 rows of the table have no US row)
    assert est.row_ids == FIRST_US
    assert est.max_credits == 10 * est.per_row_max


async def test_a_test_run_runs_exactly_those_rows(sbx_ws, leads):
    _add(sbx_ws, leads)
    summary = await enrich.run_column(
        sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=10)
    )
    states = enrich.cell_statuses(sbx_ws, leads, "Work Email")
    assert sorted(states) == FIRST_US  # nothing else touched, not even "skipped"
    assert sum(summary.counts.values()) == 10 and "skipped" not in summary.counts
    # the next test run takes the next 10 (those are done now)
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=10))
    assert est.rows_to_run == 10 and not set(est.row_ids) & set(FIRST_US)
    assert min(est.row_ids) > max(FIRST_US)


def test_first_n_skips_rows_with_a_missing_input(sbx_ws, leads):
    _add(sbx_ws, leads, condition=None)
    leads.set_cell(1, "last_name", "")
    leads.set_cell(1, "company_domain", "")
    leads.set_cell(1, "company", "")
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", enrich.RowSelection("first", limit=3))
    assert est.row_ids == [2, 3, 4] and est.missing_input == 0


def test_first_n_follows_the_view_filter_and_sort(sbx_ws, leads):
    _add(sbx_ws, leads)
    view_first = enrich.RowSelection(
        "first", limit=3, where="employees > 1000", sort=("employees", True)
    )
    est = enrich.estimate_run(sbx_ws, leads, "Work Email", view_first)
    frame = leads.frame
    import polars as pl

    want = (
        frame.filter(pl.col("employees") > 1000)
        .filter((pl.col("country") == "US") & pl.col("email").is_null())
        .sort("employees", descending=True, maintain_order=True)
        .get_column("_row_id")
        .head(3)
        .to_list()
    )
    assert est.row_ids == want and len(want) == 3
