"""Prospeo bulk vs one row per request, through the whole engine (holds, attempt rows, ledger).

A "Find work email" column on Prospeo alone (no verifier) over N rows, twice against the same
sandbox (100 ms latency + up to 30 ms jitter), with Prospeo at the limits of the bundled
config (10 requests/s, 300/min, 10 at a time; the sandbox's x-second-rate-limit is 10):
once with every row its own ``/enrich-person`` request (the baseline), once as the runner
batches them into ``/bulk-enrich-person`` (50 rows per request). Prints rows/s, requests
sent, credits charged, whether every cell came out the same, and the ratio.

    python bench/bulk.py [--rows 300] [--dir PATH]

With ``--provider zerobounce``: a "Verify email" column on ZeroBounce alone, one
``GET /v2/validate`` per row (10 at a time, the manifest's concurrency; ZeroBounce documents
no limit for it) against the runner's batches of ``POST /v2/validatebatch`` (200 emails per
request, 5 requests per minute, both documented, both enforced by the sandbox). The sandbox
answers a batch as fast as one email; ZeroBounce's own batch may take up to 70 s.

    python bench/bulk.py --provider zerobounce [--rows 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

from _common import format_table
from waterfall import spec_for

from clay_tui.clock import SystemClock
from clay_tui.config import DEFAULT_CONFIG, SandboxSettings, parse_settings
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.providers import dispatch, prospeo
from clay_tui.providers.generic_bulk import Lookup
from clay_tui.providers.registry import Providers
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.table.sample_data import numbered_copies
from clay_tui.workspace import Workspace

LEADS = Path(__file__).resolve().parent.parent / "sample_tables" / "leads.csv"
SPEC = spec_for(("prospeo",))  # the waterfall benchmark's column, one provider


VERIFY = ColumnSpec(
    name="Checked", action="verify_email", providers=["zerobounce"], inputs={"email": "email"}
)
PATHS = {
    "prospeo": ("path:POST /prospeo/enrich-person", "path:POST /prospeo/bulk-enrich-person"),
    "zerobounce": ("path:GET /zerobounce/v2/validate", "path:POST /zerobounce/v2/validatebatch"),
}


def emails_csv(path: Path, rows: int) -> Path:
    path.write_text(
        "email\n" + "".join(f"person.{i}@company{i % 97}.com\n" for i in range(rows)),
        encoding="utf-8",
    )
    return path


def settings_for(folder: Path):
    """The bundled config as a user has it (Prospeo's limits untouched), sandbox mode."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["plan"]["monthly_credits"] = 10_000_000
    for table in raw["providers"].values():
        table["mode"] = "sandbox"
    return parse_settings(raw, "<bench>", folder)


def leads_csv(path: Path, rows: int) -> Path:
    """``rows`` distinct people (the sample leads, last names numbered, no email)."""
    return numbered_copies(LEADS, path, rows)


async def one_run(
    root: Path, name: str, csv_path: Path, server: SandboxServer, provider: str = "prospeo"
) -> dict:
    ws = Workspace.open(settings_for(root / name), SystemClock())
    spec = SPEC if provider == "prospeo" else VERIFY
    one_path, bulk_path = PATHS[provider]
    try:
        table = tables.import_table(ws, csv_path, name="leads")
        enrich.add_column(ws, table, spec)
        state = server.router.state
        before = (state.count(one_path), state.count(bulk_path))
        async with Providers(ws.settings, sandbox_url=server.url) as providers:
            t0 = time.perf_counter()
            summary = await enrich.run_column(
                ws, table, spec.name, enrich.RowSelection("all"), providers=providers
            )
            elapsed = time.perf_counter() - t0
        requests = state.count(one_path) - before[0] + state.count(bulk_path) - before[1]
        report = credits_svc.verify_credits(ws, repair=False)
        cells = {
            r["row_id"]: (r["status"], r["value"], r["credits"])
            for r in ws.db.execute("SELECT row_id, status, value, credits FROM cells")
        }
        return {
            "elapsed": elapsed,
            "requests": requests,
            "credits": summary.credits,
            "found": summary.counts.get("found", 0),
            "one": state.count(one_path) - before[0],
            "verify": all(c.ok for c in report.checks),
            "cells": cells,
        }
    finally:
        ws.close()


async def zerobounce_async(root: Path, rows: int) -> None:
    csv_path = emails_csv(root / "emails.csv", rows)
    server = SandboxServer(SandboxSettings(latency_ms=100, jitter_ms=30))
    server.start()
    try:
        make = dispatch.Lookup
        dispatch.Lookup = lambda op, values, size: Lookup(op, values, 1)  # type: ignore[assignment]
        try:
            single = await one_run(root, "single", csv_path, server, "zerobounce")
        finally:
            dispatch.Lookup = make  # type: ignore[misc]
        bulk = await one_run(root, "bulk", csv_path, server, "zerobounce")
    finally:
        server.stop()
    table = [
        [
            label,
            f"{rows / r['elapsed']:.1f}",
            f"{r['elapsed']:.2f}",
            r["requests"],
            r["one"],
            r["found"],
            r["credits"],
            "ok" if r["verify"] else "FAILED",
        ]
        for label, r in (("GET /v2/validate per row", single), ("validatebatch", bulk))
    ]
    print(
        f"ZeroBounce, {rows} rows, 100 ms (+0-30 ms) latency: single 10 at a time, "
        "batch 200 per request and 5 requests/min (enforced by the sandbox)"
    )
    heads = ["run", "rows/s", "seconds", "requests", "single", "found", "credits", "verify"]
    print(format_table(heads, table))
    same = single["cells"] == bulk["cells"]
    print(
        f"bulk / single throughput: {single['elapsed'] / bulk['elapsed']:.1f}x; "
        f"every cell and charge the same: {'yes' if same else 'NO'}"
    )


async def main_async(root: Path, rows: int) -> None:
    csv_path = leads_csv(root / "leads.csv", rows)
    server = SandboxServer(SandboxSettings(latency_ms=100, jitter_ms=30))
    server.start()
    try:
        size = prospeo.EmailLookup.bulk_size
        prospeo.EmailLookup.bulk_size = 1  # type: ignore[misc]  # the baseline: no bulk
        try:
            single = await one_run(root, "single", csv_path, server)
        finally:
            prospeo.EmailLookup.bulk_size = size  # type: ignore[misc]
        bulk = await one_run(root, "bulk", csv_path, server)
    finally:
        server.stop()
    table = []
    for label, r in (("one row per request", single), (f"bulk ({size} per request)", bulk)):
        table.append(
            [
                label,
                f"{rows / r['elapsed']:.1f}",
                f"{r['elapsed']:.2f}",
                r["requests"],
                f"{r['found']}",
                r["credits"],
                "ok" if r["verify"] else "FAILED",
            ]
        )
    print(
        f"Prospeo at the bundled limits (10 req/s, 300/min, 10 at a time), {rows} rows, "
        "100 ms (+0-30 ms) latency"
    )
    print(
        format_table(
            ["run", "rows/s", "seconds", "requests", "found", "credits", "credits verify"], table
        )
    )
    same = single["cells"] == bulk["cells"]
    print(
        f"bulk / single throughput: {single['elapsed'] / bulk['elapsed']:.1f}x; "
        f"every cell and charge the same: {'yes' if same else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="300 (Prospeo), 1000 (ZeroBounce)")
    parser.add_argument("--provider", choices=("prospeo", "zerobounce"), default="prospeo")
    parser.add_argument("--dir", type=Path, default=None, help="where the workspaces go")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clay-bench-bulk-", dir=args.dir))
    try:
        if args.provider == "zerobounce":
            asyncio.run(zerobounce_async(root, args.rows or 1000))
        else:
            asyncio.run(main_async(root, args.rows or 300))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
