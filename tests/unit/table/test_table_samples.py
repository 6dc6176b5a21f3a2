"""The bundled sample tables and the big-file generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from clay_tui.services import tables as ts
from clay_tui.table.loading import load_file
from clay_tui.table.sample_data import SAMPLE_ROWS, SAMPLE_SEED, make_leads

REPO = Path(__file__).resolve().parents[3]
COLUMNS = [
    "first_name",
    "last_name",
    "title",
    "company",
    "company_domain",
    "linkedin_url",
    "country",
    "employees",
    "email",
    "phone",
]


def test_sample_leads_load_with_the_expected_shape_and_mess() -> None:
    frame = load_file(REPO / "sample_tables" / "leads.csv").frame
    assert frame.height == 200 and frame.columns == COLUMNS
    assert frame.schema["employees"] == pl.Int64
    assert frame.schema["phone"] == pl.String
    domains = frame.get_column("company_domain")
    assert domains.str.starts_with("https://www.").any()
    assert (domains.str.to_uppercase() == domains).any()
    assert frame.get_column("first_name").str.ends_with(" ").any()  # stray spaces
    assert frame.get_column("email").null_count() > 100  # mostly blank
    assert frame.get_column("phone").null_count() > 100
    assert frame.get_column("phone").str.starts_with("(").any()  # several phone formats
    assert frame.filter(pl.sql_expr("country = 'US' AND employees > 100")).height > 0


def test_sample_leads_are_exactly_what_the_generator_makes(tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    make_leads(SAMPLE_ROWS, messy=True, seed=SAMPLE_SEED).write_csv(out)
    assert out.read_bytes() == (REPO / "sample_tables" / "leads.csv").read_bytes()


def test_installed_package_rebuilds_the_sample(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(
        ts, "__file__", str(tmp_path / "site" / "clay_tui" / "services" / "tables.py")
    )
    path = ts.sample_table_path()
    assert path.read_bytes() == (REPO / "sample_tables" / "leads.csv").read_bytes()
    assert path.is_relative_to(tmp_path / "cache")


def test_companies_sample_loads() -> None:
    frame = load_file(REPO / "sample_tables" / "companies.csv").frame
    assert frame.height == 30
    assert frame.schema["employees"] == pl.Int64 and frame.schema["founded"] == pl.Int64


def test_make_big_writes_n_rows(tmp_path: Path) -> None:
    out = tmp_path / "big.csv"
    subprocess.run(
        [sys.executable, str(REPO / "sample_tables" / "make_big.py"), "5000", str(out)],
        check=True,
        cwd=tmp_path,
    )
    frame = load_file(out).frame
    assert frame.height == 5000 and frame.columns == COLUMNS
    assert frame.get_column("email").null_count() == 0
