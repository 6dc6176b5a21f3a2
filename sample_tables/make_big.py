#!/usr/bin/env python3
"""Generate a lead list of N rows: ``python sample_tables/make_big.py N OUT.csv``.

Used for benchmarks (100k and 1M rows; big files are not committed) and, with
``--messy``, to make the committed ``leads.csv``. Vectorised in Polars: no Python
loop per row, so a million rows take a couple of seconds.

Columns: first_name, last_name, title, company, company_domain, linkedin_url,
country, employees, email, phone. ``--messy`` adds what real exports look like:
mixed-case domains, ``https://www.`` prefixes, stray spaces, several phone formats,
email and phone mostly blank.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from clay_tui.table.sample_data import make_leads  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of rows")
    parser.add_argument("out", type=Path, help="CSV file to write")
    parser.add_argument("--messy", action="store_true", help="add real-export mess")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    make_leads(args.n, messy=args.messy, seed=args.seed).write_csv(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
