"""Fictional lead lists, generated vectorised in Polars (no Python loop per row).

``sample_tables/leads.csv`` is ``make_leads(200, messy=True, seed=7)`` (a test keeps
them identical), so an installed package without the repo can rebuild it, and
``sample_tables/make_big.py`` uses the same code for 100k/1M-row benchmark files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

SAMPLE_ROWS = 200
SAMPLE_SEED = 7

FIRST = (
    "Ava Liam Noah Emma Olivia Mateo Sofia Lucas Mia Ethan Amara Kenji Priya Diego Chloe Omar "
    "Hannah Jonas Leila Marco Nina Felix Aisha Tomas Grace Ravi Elena Samuel Yuki Fatima Oscar "
    "Ines Daniel "
    "Zoe Ibrahim Clara Hugo Maya Arjun Lena Victor Julia Kwame Sara Mikhail Paula Tariq Rosa Pedro "
    "Hana Luca Freya Isaac Noor Bruno Alice"
).split()
LAST = (
    "Nguyen Smith Garcia Müller Rossi Kowalski Okafor Tanaka Patel Silva Johansson Dubois Khan "
    "Novak "
    "Schmidt Martin Lopez Chen Kim Andersson Moreau Fischer O'Brien Jensen Costa Ibrahim Haddad "
    "Petrov Yilmaz Becker Nakamura Walker Hughes Reyes Singh Weber Laurent Murphy Bianchi Sato "
    "Kaur Ferreira Lindqvist Mensah Rahman Vogel Castillo Baker Duarte"
).split()
TITLES = [
    "VP of Sales",
    "Head of Growth",
    "Founder & CEO",
    "Marketing Manager",
    "SDR",
    "Account Executive",
    "CTO",
    "Director, Revenue Operations",
    "Chief Marketing Officer",
    "Sales Development Representative",
    "Growth Lead",
    "Co-founder",
    "Head of Partnerships",
    "Demand Generation Manager",
    "RevOps Analyst",
    "COO",
    "Product Marketing Lead",
    "Business Development Manager",
    "Customer Success Lead",
    "VP Engineering",
]
COMPANIES = [
    ("Northwind Analytics", "northwindanalytics.com", "US"),
    ("Bluepeak Labs", "bluepeak.io", "US"),
    ("Kestrel Logistics", "kestrel-logistics.com", "DE"),
    ("Lumen Health", "lumenhealth.co", "GB"),
    ("Orchard Robotics", "orchardrobotics.ai", "US"),
    ("Tidewater Capital", "tidewatercap.com", "US"),
    ("Brightline Foods", "brightlinefoods.fr", "FR"),
    ("Quillstone Software", "quillstone.dev", "CA"),
    ("Meridian Apparel", "meridianapparel.com", "ES"),
    ("Halcyon Energy", "halcyon-energy.de", "DE"),
    ("Cobalt & Finch", "cobaltfinch.com", "GB"),
    ("Saffron Media", "saffronmedia.in", "IN"),
    ("Polaris Freight", "polarisfreight.se", "SE"),
    ("Verdant Agritech", "verdantagri.com.br", "BR"),
    ("Aperture Security", "aperturesec.com", "US"),
    ("Nimbus Cloudworks", "nimbuscloud.io", "NL"),
    ("Redwood Dental Group", "redwooddental.com", "US"),
    ("Atlas Fintech", "atlasfintech.sg", "SG"),
    ("Juniper Learning", "juniperlearning.org", "AU"),
    ("Copperleaf Studio", "copperleaf.studio", "IT"),
    ("Sable Maritime", "sablemaritime.no", "NO"),
    ("Fernhill Pharma", "fernhillpharma.ch", "CH"),
    ("Granite Peak Insurance", "granitepeakins.com", "US"),
    ("Helix BioSystems", "helixbio.co.uk", "GB"),
    ("Vantage Realty", "vantagerealty.ca", "CA"),
    ("Mosaic Payments", "mosaicpay.com", "MX"),
    ("Ember Hospitality", "emberhotels.com", "PT"),
    ("Lattice Data", "latticedata.jp", "JP"),
    ("Pinecrest Outdoors", "pinecrestoutdoors.com", "US"),
    ("Zephyr Mobility", "zephyrmobility.eu", "FR"),
]
SIZES = [3, 8, 12, 25, 40, 60, 85, 120, 150, 240, 310, 480, 750, 1200, 2400, 5000, 12000]
PHONE_FMT = {
    "US": "+1",
    "CA": "+1",
    "GB": "+44",
    "DE": "+49",
    "FR": "+33",
    "ES": "+34",
    "IN": "+91",
    "SE": "+46",
    "BR": "+55",
    "NL": "+31",
    "SG": "+65",
    "AU": "+61",
    "IT": "+39",
    "NO": "+47",
    "CH": "+41",
    "MX": "+52",
    "PT": "+351",
    "JP": "+81",
}


def _pick(values: list, n: int, seed: int) -> pl.Series:
    idx = pl.int_range(0, len(values), eager=True).sample(n, with_replacement=True, seed=seed)
    return pl.Series(values).gather(idx)


def make_leads(n: int, *, messy: bool = False, seed: int = 42) -> pl.DataFrame:
    """N fictional leads as a frame of text columns."""
    comp = _pick(list(range(len(COMPANIES))), n, seed + 3)
    names = pl.Series([c[0] for c in COMPANIES]).gather(comp)
    domains = pl.Series([c[1] for c in COMPANIES]).gather(comp)
    countries = pl.Series([c[2] for c in COMPANIES]).gather(comp)
    employees = pl.Series(SIZES).gather(comp.cast(pl.Int64) * 7 % len(SIZES))
    rnd = pl.int_range(0, 1_000_000, eager=True).sample(n, with_replacement=True, seed=seed + 9)
    df = pl.DataFrame(
        {
            "first_name": _pick(FIRST, n, seed + 1),
            "last_name": _pick(LAST, n, seed + 2),
            "title": _pick(TITLES, n, seed + 4),
            "company": names,
            "company_domain": domains,
            "country": countries,
            "employees": employees.cast(pl.String),
            "r": rnd,
        }
    )
    slug = (
        (pl.col("first_name") + "-" + pl.col("last_name"))
        .str.to_lowercase()
        .str.replace_all("ü", "u")
        .str.replace_all("[^a-z-]", "")
    )
    digits = (pl.col("r") * 7919 % 10_000_000).cast(pl.String).str.zfill(7)
    df = df.with_columns(
        linkedin_url=pl.lit("https://www.linkedin.com/in/")
        + slug
        + "-"
        + (pl.col("r") % 9973).cast(pl.String),
        email=(
            pl.col("first_name").str.to_lowercase()
            + "."
            + pl.col("last_name").str.to_lowercase()
            + "@"
            + pl.col("company_domain")
        )
        .str.replace_all("ü", "u")
        .str.replace_all("[^a-z0-9.@-]", ""),
        phone=pl.col("country").replace_strict(PHONE_FMT, default="+1") + "555" + digits,
    )
    if messy:
        r = pl.col("r")
        df = df.with_columns(
            company_domain=pl.when(r % 7 == 0)
            .then(pl.lit("https://www.") + pl.col("company_domain"))
            .when(r % 7 == 1)
            .then(pl.col("company_domain").str.to_uppercase())
            .when(r % 7 == 2)
            .then(pl.lit("http://") + pl.col("company_domain") + "/")
            .when(r % 7 == 3)
            .then(pl.lit("www.") + pl.col("company_domain").str.to_titlecase())
            .otherwise(pl.col("company_domain")),
            first_name=pl.when(r % 11 == 0)
            .then(pl.col("first_name") + " ")
            .when(r % 13 == 0)
            .then(pl.col("first_name").str.to_uppercase())
            .otherwise(pl.col("first_name")),
            company=pl.when(r % 9 == 0)
            .then(pl.lit("  ") + pl.col("company"))
            .when(r % 10 == 0)
            .then(pl.col("company") + ", Inc.")
            .otherwise(pl.col("company")),
            linkedin_url=pl.when(r % 5 == 0)
            .then(None)
            .when(r % 6 == 0)
            .then(pl.col("linkedin_url").str.replace("https://www.", "", literal=True))
            .otherwise(pl.col("linkedin_url")),
            email=pl.when(r % 8 == 0)
            .then(pl.col("email"))
            .when(r % 17 == 0)
            .then(pl.col("email").str.to_uppercase() + " ")
            .otherwise(None),
            phone=pl.when(r % 10 == 0)
            .then(pl.col("phone"))
            .when(r % 10 == 1)
            .then(
                pl.lit("(555) ")
                + pl.col("phone").str.slice(-7, 3)
                + "-"
                + pl.col("phone").str.slice(-4)
            )
            .when(r % 19 == 0)
            .then(
                pl.col("phone").str.slice(0, 3)
                + " "
                + pl.col("phone").str.slice(3, 3)
                + " "
                + pl.col("phone").str.slice(6)
            )
            .otherwise(None),
            employees=pl.when(r % 23 == 0).then(None).otherwise(pl.col("employees")),
        )
    cols = [
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
    return df.select(cols)


def numbered_copies(source: Path, path: Path, rows: int, *, emails: bool = False) -> Path:
    """A CSV at ``path`` of ``rows`` distinct people: the rows of the CSV ``source`` again and
    again, last names numbered, the email column empty (every row passes a find-email
    recipe's condition) or, with ``emails``, made up and unique. The big tables of the
    benchmarks and the crash tests."""
    with source.open(newline="", encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(people[0]))
        writer.writeheader()
        for i in range(rows):
            row = dict(people[i % len(people)])
            row["last_name"] = f"{row['last_name']}{i}"
            row["email"] = f"{row['first_name'].lower()}.{i}@{i % 97}.example.com" if emails else ""
            writer.writerow(row)
    return path
