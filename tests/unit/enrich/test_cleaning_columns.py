"""Free cleaning columns through the runner, on tricky inputs: values, statuses, no credits."""

from __future__ import annotations

from clay_tui.enrich.spec import ColumnSpec
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables

VALUES = [
    "+44 20 7946 0958",
    "(415) 555-0132",
    "(555) 751-9679",
    "",
    "  0049 30 901820  ",
    "call me",
    "+1 650 253 0000 ext. 12",
]
DOMAINS = [
    "HTTPS://WWW.Example.COM/path?q=1",
    "ann@Sub.Example.co.uk",
    "example",
    "",
    "http://user:pw@host.io:8080/x",
    "192.168.0.1",
    "www.acme.io.",
]
EMAILS = [
    "ANN@Example.COM",
    "not-an-email",
    "",
    "a@b",
    "bob.smith+tag@acme.io",
    "x@@y.com",
    " spaced@acme.io ",
]


async def test_cleaning_on_tricky_inputs(sbx_ws, tmp_path):
    path = tmp_path / "tricky.csv"
    lines = ["phone,site,mail"] + [
        f'"{p}","{d}","{e}"' for p, d, e in zip(VALUES, DOMAINS, EMAILS, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = tables.import_table(sbx_ws, path, name="tricky")
    for spec in (
        ColumnSpec(
            name="Phone",
            action="normalize_phone",
            inputs={"value": "phone"},
            params={"default_region": "US"},
        ),
        ColumnSpec(name="Domain", action="normalize_domain", inputs={"value": "site"}),
        ColumnSpec(name="Email", action="validate_email", inputs={"value": "mail"}),
    ):
        enrich.add_column(sbx_ws, table, spec)
    start = credits_svc.balance(sbx_ws).available
    for name in ("Phone", "Domain", "Email"):
        await enrich.run_column(sbx_ws, table, name, enrich.RowSelection("all"))
    assert credits_svc.balance(sbx_ws).available == start
    col = {c: table.frame.get_column(c).to_list() for c in ("Phone", "Domain", "Email")}
    states = {
        c: list(enrich.cell_statuses(sbx_ws, table, c).values())
        for c in ("Phone", "Domain", "Email")
    }
    assert col["Phone"][:3] == ["+442079460958", "+14155550132", None]
    assert states["Phone"][2] == "invalid" and states["Phone"][3] == "missing input"
    assert states["Phone"][5] == "invalid"  # words are not a number
    assert col["Domain"][0] == "example.com" and col["Domain"][1] == "sub.example.co.uk"
    assert states["Domain"][2] == "invalid" and states["Domain"][5] == "invalid"  # not an IP
    assert col["Domain"][4] == "host.io" and col["Domain"][6] == "acme.io"
    assert col["Email"][0] == "ANN@example.com"
    assert states["Email"][1] == "invalid" and states["Email"][5] == "invalid"
    assert col["Email"][4] == "bob.smith+tag@acme.io" and col["Email"][6] == "spaced@acme.io"
