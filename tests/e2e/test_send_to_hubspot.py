"""Send to HubSpot end to end through the CLI: the recipe pushes the rows with an email as
contacts with their companies, free of credits; a forced re-push updates the same records; a
row HubSpot refuses is an error cell naming the property, and the others go through."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import tomli_w

from tests.conftest import REPO, SAMPLE_LEADS, sandbox_raw_config
from tests.unit.hostile.cli_helpers import invoke

RECIPE = REPO / "sample_tables" / "recipes" / "send_to_hubspot.toml"


def _exported(base: list[str], tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    assert invoke(*base, "export", "leads", str(out)).code == 0
    with out.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_push_creates_then_updates_free_of_credits(tmp_path: Path, sandbox_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps(sandbox_raw_config(concurrency=100)), encoding="utf-8")
    base = ["--config", str(config), "--workspace", str(tmp_path / "ws")]
    leads = tmp_path / "leads.csv"
    text = SAMPLE_LEADS.read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(text))
    email_col = rows[0].index("email")
    with_email = [r for r in rows[1:] if r[email_col]]
    rows[1 + rows[1:].index(with_email[0])][email_col] = "not-an-email"  # HubSpot refuses it
    with leads.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert invoke(*base, "import", str(leads), "--name", "leads").code == 0
    assert invoke(*base, "add-column", "leads", "--recipe", str(RECIPE)).code == 0
    balance = json.loads(invoke(*base, "credits", "--json").stdout)["balance"]["available"]

    first = invoke(*base, "run", "leads", "HubSpot", "--all", "--yes")
    assert first.code == 0, first.stderr
    table = _exported(base, tmp_path)
    pushed = [r for r in table if r["HubSpot"]]
    assert len(pushed) == len(with_email) - 1
    assert {r["HubSpot Result"] for r in pushed} == {"created"}
    assert all(r["HubSpot Company Id"] for r in pushed if r["company_domain"])
    portal = sqlite3.connect(tmp_path / "xdg-data" / "clay-tui" / "sandbox" / "hubspot-portal.db")
    sent = {
        email: json.loads(props)
        for email, props in portal.execute("SELECT email, properties FROM contacts")
    }
    portal.close()
    for r in pushed:  # the mapped columns arrived as contact properties
        props = sent[r["email"].strip().lower()]
        assert props["firstname"] == r["first_name"].strip()
        assert props["jobtitle"] == r["title"].strip()
    refused = [i for i, r in enumerate(table) if r["email"] == "not-an-email"]
    assert refused and not table[refused[0]]["HubSpot"]
    cell = invoke(*base, "cell", "leads", "HubSpot", str(refused[0] + 1))  # row ids start at 1
    assert cell.code == 0, cell.stderr
    assert "error" in cell.stdout and "(property email)" in cell.stdout, cell.stdout

    again = invoke(*base, "run", "leads", "HubSpot", "--all", "--force", "--yes")
    assert again.code == 0, again.stderr
    table2 = _exported(base, tmp_path)
    pushed2 = [r for r in table2 if r["HubSpot"]]
    assert [r["HubSpot"] for r in pushed2] == [r["HubSpot"] for r in pushed]
    assert {r["HubSpot Result"] for r in pushed2} == {"updated"}  # not duplicated

    after = json.loads(invoke(*base, "credits", "--json").stdout)["balance"]["available"]
    assert after == balance  # free
    assert invoke(*base, "credits", "verify").code == 0
    info = invoke(*base, "run-info", "leads", "HubSpot", "--json")
    assert info.code == 0, info.stderr
