"""Estimates treat every provider alike (issue 11): each manifest endpoint carries its own
typical hit rate, which the estimate, the credits calculator and ``typical_rates`` use, for
a user's own provider as for the built-in ones (before: 0.5 for every manifest provider)."""

from __future__ import annotations

import tomllib

import pytest

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.enrich.typical_rates import hit_rate
from clay_tui.manifests import ManifestError, builtin_manifests, parse_manifest, user_manifest_dir
from clay_tui.services import calculator, enrich, tables
from tests.conftest import SAMPLE_LEADS
from tests.unit.enrich.conftest import make_ws
from tests.unit.providers.test_user_provider_e2e import MANIFEST


def test_every_builtin_finder_and_verifier_has_its_own_figure() -> None:
    for m in builtin_manifests().values():
        for op, ep in m.endpoints.items():
            assert hit_rate(m.name, op) == ep.typical_hit_rate / 100, (m.name, op)
    # a provider's operations differ: LeadMagic finds emails more often than mobiles, and
    # Hunter's verifier gives a verdict far more often than its finder finds
    assert hit_rate("leadmagic", "email_finder") > hit_rate("leadmagic", "mobile_finder")
    assert hit_rate("hunter", "email_verifier") > hit_rate("hunter", "email_finder")
    assert {hit_rate(p, "email_finder") for p in ("prospeo", "findymail", "leadmagic")} != {0.5}


@pytest.mark.parametrize("rate", [10, 90])
def test_a_user_manifests_hit_rate_drives_estimate_and_calculator(tmp_path, clock, rate) -> None:
    folder = user_manifest_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acmefind.toml").write_text(
        MANIFEST.replace("credits = 3", f"credits = 3\ntypical_hit_rate = {rate}"),
        encoding="utf-8",
    )
    ws = make_ws(tmp_path, clock, plan_credits=100_000)
    try:
        table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        spec = ColumnSpec(
            name="Acme Email",
            action="find_work_email",
            providers=["acmefind"],
            validation="none",
            inputs={
                "first_name": "first_name",
                "last_name": "last_name",
                "domain": "company_domain",
            },
            outputs={"email": "Acme Email"},
        )
        enrich.add_column(ws, table, spec)
        est = enrich.estimate_run(ws, table, "Acme Email", enrich.RowSelection("all"))
        assert est.basis == "typical hit rates" and est.rows_to_run > 100
        # one provider, no validation: 3 credits on each hit, rate% of the calls
        assert est.expected_credits == round(est.rows_to_run * rate / 100 * 3)
        calc = calculator.calculate(
            ws, est.rows_to_run, calculator.resolve_specs(ws, ["Acme Email"], None, table)
        )
        assert calc.expected_credits == est.expected_credits
    finally:
        ws.close()


def test_typical_hit_rate_is_a_percent() -> None:
    raw = tomllib.loads(MANIFEST.replace("credits = 3", "credits = 3\ntypical_hit_rate = 150"))
    with pytest.raises(ManifestError) as err:
        parse_manifest(raw, "acme.toml")
    assert str(err.value) == (
        "acme.toml: endpoints.email_finder.typical_hit_rate must be between 0 and 100, not 150."
    )
    raw = tomllib.loads(MANIFEST)
    assert parse_manifest(raw, "acme.toml").endpoints["email_finder"].typical_hit_rate == 50
