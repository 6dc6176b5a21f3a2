"""Engine throughput against the bundled sandbox, with the durable ledger (synchronous=FULL).

(a) 10,000 cells of a free action (normalize_domain) and of a paid action (verify_email,
    1 credit, Hunter) at zero latency: cells/s against the 1,000 paid cells/s target, and
    against the raw adapter (the same calls with no engine, no ledger) as the baseline.
    The sandbox's own rate limits are off here: this measures the engine, not a provider.
(b) Hunter's verifier with 100 ms latency, Hunter configured at 15 calls/s: the verifier keeps
    to its own documented 10/s; achieved rate against it (target >= 95%), and how many calls
    the sandbox (which enforces Hunter's documented limits itself) refused with 403.
(c) a 300-row waterfall over 3 email finders (Hunter -> Findymail -> LeadMagic) through the
    engine against a sandbox that enforces each documented limit (bench/waterfall.py): run
    time against the binding limit, Hunter's achieved rate, calls refused, cells in error,
    whether only found cells were charged.
(d) Prospeo email lookups one per request against bulk-enrich-person (50 per request), both
    at 10 requests/s with 100 ms latency.

    python bench/engine.py [--cells 10000] [--concurrency 64] [--dir PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

import waterfall

from clay_tui.clock import SystemClock
from clay_tui.config import DEFAULT_CONFIG, SandboxSettings, parse_settings
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.providers import hunter, prospeo
from clay_tui.providers.registry import Providers
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.table.sample_data import numbered_copies
from clay_tui.workspace import Workspace

LEADS = Path(__file__).resolve().parent.parent / "sample_tables" / "leads.csv"


def settings_for(
    folder: Path,
    *,
    concurrency: int,
    rates: dict[str, float] | None = None,
    latency_ms: float = 0.0,
):
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["plan"]["monthly_credits"] = 10_000_000
    raw["sandbox"].update(latency_ms=latency_ms, jitter_ms=0)
    for name, table in raw["providers"].items():
        rate = (rates or {}).get(name, 0.0)
        table.update(
            mode="sandbox",
            rate_per_second=rate,
            rate_per_minute=0,
            concurrency=concurrency,
            timeout_s=30,
            max_retries=2,
        )
    return parse_settings(raw, "<bench>", folder)


def big_csv(path: Path, rows: int) -> Path:
    """``rows`` distinct people (the sample leads, last names numbered, unique emails)."""
    return numbered_copies(LEADS, path, rows, emails=True)


async def engine_run(
    ws: Workspace, table, spec: ColumnSpec, url: str
) -> tuple[float, object, dict[str, int]]:
    """(seconds, run summary, throttling answers seen per provider)."""
    enrich.add_column(ws, table, spec)
    providers = Providers(ws.settings, sandbox_url=url)
    t0 = time.perf_counter()
    summary = await enrich.run_column(
        ws, table, spec.name, enrich.RowSelection("all"), providers=providers
    )
    elapsed = time.perf_counter() - t0
    throttled = {name: providers.client(name).throttled for name in ("hunter", "prospeo", "openai")}
    await providers.aclose()
    return elapsed, summary, throttled


async def raw_adapter(settings, url: str, emails: list[str], concurrency: int) -> float:
    providers = Providers(settings, sandbox_url=url)
    client = providers.client("hunter")
    queue = list(emails)

    async def worker() -> None:
        while queue:
            await hunter.verify_email(client, email=queue.pop())

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await providers.aclose()
    return elapsed


def fresh_ws(root: Path, name: str, settings) -> Workspace:
    folder = root / name
    settings = parse_settings_with(settings, folder)
    return Workspace.open(settings, SystemClock())


def parse_settings_with(settings, folder: Path):
    from dataclasses import replace

    return replace(settings, workspace=folder)


async def part_a(root: Path, cells: int, concurrency: int, rows: list[list[str]]) -> None:
    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    server.router.enforce_limits = False  # the engine's own speed, not Hunter's limits
    url = server.start()
    settings = settings_for(root / "a", concurrency=concurrency)
    csv_path = big_csv(root / "big.csv", cells)
    emails = [r["email"] for r in csv.DictReader(csv_path.open(encoding="utf-8"))]
    try:
        ws = fresh_ws(root, "a-free", settings)
        table = tables.import_table(ws, csv_path, name="big")
        free_s, free, _ = await engine_run(
            ws,
            table,
            ColumnSpec(
                name="Domain", action="normalize_domain", inputs={"value": "company_domain"}
            ),
            url,
        )
        ws.close()
        ws = fresh_ws(root, "a-paid", settings)
        table = tables.import_table(ws, csv_path, name="big")
        paid_s, paid, _ = await engine_run(
            ws,
            table,
            ColumnSpec(name="Verified", action="verify_email", inputs={"email": "email"}),
            url,
        )
        spent = 10_000_000 - credits_svc.balance(ws).available
        stored = ws.db.execute("SELECT SUM(credits) FROM cells").fetchone()[0]
        assert spent == stored == paid.credits, (spent, stored, paid.credits)
        ws.close()
        raw_s = await raw_adapter(settings, url, emails, concurrency)
    finally:
        server.stop()
    n_free, n_paid = sum(free.counts.values()), sum(paid.counts.values())
    rows.append(
        [
            "(a) free action, cells/s",
            f"{n_free / free_s:,.0f}",
            "1,000 (paid target)",
            f"{n_free / free_s / 1000:.2f}x",
        ]
    )
    rows.append(
        [
            "(a) paid action, cells/s (durable)",
            f"{n_paid / paid_s:,.0f}",
            "1,000 target",
            f"{n_paid / paid_s / 1000:.2f}x",
        ]
    )
    rows.append(
        [
            "(a) raw adapter calls/s (no engine)",
            f"{len(emails) / raw_s:,.0f}",
            "baseline",
            f"engine = {raw_s / paid_s:.0%} of it",
        ]
    )
    rows.append(["(a) paid credits stored = ledger", f"{paid.credits:,}", "", "exact"])


async def part_b(root: Path, rows: list[list[str]], calls: int = 150) -> None:
    server = SandboxServer(SandboxSettings(latency_ms=100, jitter_ms=0))
    url = server.start()
    settings = settings_for(root / "b", concurrency=10, rates={"hunter": 15.0}, latency_ms=100)
    try:
        ws = fresh_ws(root, "b", settings)
        table = tables.import_table(ws, big_csv(root / "b.csv", calls), name="b")
        elapsed, summary, throttled = await engine_run(
            ws,
            table,
            ColumnSpec(name="Verified", action="verify_email", inputs={"email": "email"}),
            url,
        )
        ws.close()
    finally:
        server.stop()
    n = sum(summary.counts.values())
    rate = (n - 1) / elapsed  # n calls span n-1 intervals of the limiter
    refused = throttled["hunter"]
    rows.append(
        [
            "(b) Hunter verifier (documented 10/s; configured 15/s), 100 ms latency: calls/s",
            f"{rate:.2f}",
            "10.00",
            f"{rate / 10:.1%}",
        ]
    )
    rows.append(["(b) calls the sandbox refused (403 rate limit)", f"{refused}", "0", ""])


async def part_c(root: Path, rows: list[list[str]], n: int = 300) -> None:
    """bench/waterfall.py. Before, this part ran a hand-written three-way action that called
    helpers since removed (actions._name_args, store.FOUND): every cell ended in error before
    any call and the table said "0/300 found"; now it runs the real find_work_email."""
    figures = await waterfall.run_waterfall(root / "c", n)
    rows.extend([["(c) " + r[0], *r[1:]] for r in waterfall.report(figures)])


async def part_d(root: Path, rows: list[list[str]], n: int = 100) -> None:
    """Prospeo email lookups one per request vs bulk-enrich-person (50 per request), both at
    10 requests/s (the sandbox's x-second-rate-limit; Prospeo's real limits depend on the
    plan) with 100 ms latency."""
    server = SandboxServer(SandboxSettings(latency_ms=100, jitter_ms=0))
    url = server.start()
    settings = settings_for(root / "d", concurrency=10, rates={"prospeo": 10.0}, latency_ms=100)
    with LEADS.open(newline="", encoding="utf-8") as fh:
        source = list(csv.DictReader(fh))
    records = {
        f"r{i}": {
            "first_name": r["first_name"],
            "last_name": f"{r['last_name']}{i}",
            "company": r["company_domain"] or r["company"],
        }
        for i, r in enumerate(source[i % len(source)] for i in range(n))
    }
    try:
        async with Providers(settings, sandbox_url=url) as providers:
            client = providers.client("prospeo")
            t0 = time.perf_counter()
            singles = await asyncio.gather(
                *[prospeo.find_email(client, **r) for r in records.values()]
            )
            single_s = time.perf_counter() - t0
            idents = list(records)
            t0 = time.perf_counter()
            bulk: dict = {}
            for batch in await asyncio.gather(
                *[
                    prospeo.bulk_find_email(
                        client, {k: records[k] for k in idents[i : i + prospeo.BULK_MAX]}
                    )
                    for i in range(0, n, prospeo.BULK_MAX)
                ]
            ):
                bulk.update(batch)
            bulk_s = time.perf_counter() - t0
    finally:
        server.stop()
    same = sum(1 for k, s in zip(records, singles, strict=True) if s.outcome is bulk[k].outcome)
    rows.append(
        [
            f"(d) Prospeo {n} email lookups at 10 req/s, one per request",
            f"{n / single_s:.1f} rows/s",
            f"{single_s:.2f} s",
            "",
        ]
    )
    rows.append(
        [
            f"(d) the same {n} through bulk-enrich-person (50 per request)",
            f"{n / bulk_s:.1f} rows/s",
            f"{bulk_s:.2f} s",
            f"{single_s / bulk_s:.1f}x faster; {same}/{n} same outcome",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--dir", type=Path, default=None, help="where the workspaces go")
    parser.add_argument("--skip", default="", help="parts to skip, e.g. bc")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clay-bench-", dir=args.dir))
    rows: list[list[str]] = []
    try:
        if "a" not in args.skip:
            asyncio.run(part_a(root, args.cells, args.concurrency, rows))
        if "b" not in args.skip:
            asyncio.run(part_b(root, rows))
        if "c" not in args.skip:
            asyncio.run(part_c(root, rows))
        if "d" not in args.skip:
            asyncio.run(part_d(root, rows))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    header = ["measure", "achieved", "limit / baseline", "ratio"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
