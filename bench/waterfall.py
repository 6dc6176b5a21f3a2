"""A waterfall over 3 email finders against a sandbox that enforces each documented limit.

Issue 11's done-when figure: a "Find work email" column over N rows (300 by default) with
the waterfall Hunter -> Findymail -> LeadMagic (no verifier: the finders' limits alone), run
through the whole engine (holds, attempt rows, ledger) against the bundled sandbox with
100 ms latency, the sandbox enforcing every limit the providers document (Hunter's finder
15/s and 500/min, answered 403 above it; LeadMagic's 3,000/min, 429; Findymail documents
none). The sandbox logs every request it answers, so the figures are the server's view:

- the run time against the least time the limits allow (the binding limit: the provider
  whose calls at its documented rate take longest), as a ratio (target >= 95%);
- the binding provider's achieved rate (calls the client sent, first to last) against its
  limit, and the most calls sent in any one second;
- calls the sandbox refused (403/429), cells in error, and whether every credit charged is
  a found cell's price (a throttled call charged would show as more) with ``credits verify``.

    python bench/waterfall.py [--rows 300] [--latency-ms 100] [--dir PATH]

``tests/unit/enrich/test_waterfall_limits.py`` runs the same on a few rows.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import shutil
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from clay_tui.clock import SystemClock
from clay_tui.config import DEFAULT_CONFIG, SandboxSettings, parse_settings
from clay_tui.enrich import store
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.manifests import find_manifest
from clay_tui.providers.registry import Providers
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services import credits as credits_svc
from clay_tui.services import enrich, tables
from clay_tui.states import CellState
from clay_tui.table.sample_data import numbered_copies
from clay_tui.workspace import Workspace

LEADS = Path(__file__).resolve().parent.parent / "sample_tables" / "leads.csv"
FINDERS = ("hunter", "findymail", "leadmagic")
THROTTLED = (403, 429)


def spec_for(providers: tuple[str, ...]) -> ColumnSpec:
    return ColumnSpec(
        name="Work Email",
        action="find_work_email",
        providers=list(providers),
        validation="none",
        accept_catch_all=True,
        inputs={
            "first_name": "first_name",
            "last_name": "last_name",
            "domain": "company_domain",
            "company": "company",
        },
        outputs={"email": "Work Email", "provider": "Email Provider"},
    )


def documented_limits(provider: str) -> tuple[float, float]:
    """(per second, per minute) of the provider's email finder (0: none documented)."""
    m = find_manifest(provider)
    ep = m.endpoint("email_finder") if m is not None else None
    return (ep.rate_per_second, ep.rate_per_minute) if ep is not None else (0.0, 0.0)


def leads_csv(path: Path, rows: int) -> Path:
    """``rows`` distinct people (the sample leads, last names numbered), no email yet."""
    return numbered_copies(LEADS, path, rows)


class RequestLog:
    """Every request the sandbox answers: (arrival time, provider, status). Arrival: when
    the server took the request, before its simulated latency (the client's send time, give
    or take the loopback)."""

    def __init__(self, server: SandboxServer) -> None:
        self._lock = threading.Lock()
        self.entries: list[tuple[float, str, int]] = []
        self._arrived: dict[int, float] = {}
        router = server.router
        handle, latency = router.handle, router.latency_s

        def arrived(req):  # noqa: ANN001, ANN202 - the router's own Request
            with self._lock:
                self._arrived[id(req)] = time.monotonic()
            return latency(req)

        def logged(req):  # noqa: ANN001, ANN202 - the router's own Request/Response
            response = handle(req)
            provider = req.path.lstrip("/").partition("/")[0]
            with self._lock:
                at = self._arrived.pop(id(req), time.monotonic())
                self.entries.append((at, provider, response.status))
            return response

        router.latency_s = arrived  # type: ignore[method-assign]
        router.handle = logged  # type: ignore[method-assign]

    def admitted(self, provider: str) -> list[float]:
        return sorted(t for t, p, s in self.entries if p == provider and s not in THROTTLED)

    def refused(self, provider: str) -> int:
        return sum(1 for _, p, s in self.entries if p == provider and s in THROTTLED)


class SendLog:
    """When the client sent each request, per provider (an httpx request hook)."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def hook(self, provider: str):  # noqa: ANN201
        async def record(request) -> None:  # noqa: ANN001 - httpx.Request
            self.times.setdefault(provider, []).append(time.monotonic())

        return record


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window."""
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


@dataclass
class Figures:
    rows: int
    elapsed_s: float
    counts: dict[str, int]
    calls: dict[str, int]  # admitted by the sandbox, per provider
    refused: dict[str, int]  # 403/429 answers, per provider
    binding: str  # the provider whose documented limit takes longest
    allowed_s: float  # the least time the documented limits allow for the calls made
    binding_limit: float  # its documented calls per second
    binding_rate: float  # its achieved rate (calls sent, first to last)
    binding_peak: int  # most of its calls sent in one second
    credits: int
    per_provider: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)  # found cells per provider
    prices: dict[str, int] = field(default_factory=dict)
    verified: bool = False

    @property
    def errors(self) -> int:
        return self.counts.get(str(CellState.ERROR), 0)

    @property
    def charged_only_found(self) -> bool:
        """Every credit is a found cell's price: no throttled (or empty) call was charged."""
        return all(
            self.per_provider.get(p, 0) == self.found.get(p, 0) * self.prices[p]
            for p in self.prices
        ) and self.credits == sum(self.per_provider.values())

    @property
    def ratio(self) -> float:
        return self.allowed_s / self.elapsed_s if self.elapsed_s else 0.0


def _least_time(calls: int, per_second: float, per_minute: float) -> float:
    """The least time ``calls`` calls take at a documented rate (n calls, n-1 intervals; a
    per-minute limit binds only past its first minute's worth)."""
    out = (calls - 1) / per_second if per_second and calls > 1 else 0.0
    if per_minute and calls > per_minute:
        out = max(out, (calls - per_minute) * 60.0 / per_minute)
    return out


async def run_waterfall(
    root: Path, rows: int = 300, *, latency_ms: float = 100.0, finders=FINDERS
) -> Figures:
    """One run of the waterfall over ``rows`` rows in a fresh workspace under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    server = SandboxServer(SandboxSettings(latency_ms=latency_ms, jitter_ms=0))
    server.router.enforce_limits = True  # whatever the environment says: this is the point
    log = RequestLog(server)
    sent = SendLog()
    url = server.start()
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["plan"]["monthly_credits"] = 10_000_000
    raw["sandbox"].update(latency_ms=latency_ms, jitter_ms=0)
    for table in raw["providers"].values():
        table["mode"] = "sandbox"
    ws = Workspace.open(parse_settings(raw, "<bench>", root / "ws"), SystemClock())
    try:
        table = tables.import_table(ws, leads_csv(root / "leads.csv", rows), name="leads")
        spec = enrich.add_column(ws, table, spec_for(tuple(finders)))
        async with Providers(ws.settings, sandbox_url=url) as providers:
            for p in finders:  # the client's send times (the server's view adds its own jitter)
                providers.client(p)._http.event_hooks["request"].append(sent.hook(p))
            t0 = time.perf_counter()
            summary = await enrich.run_column(
                ws, table, spec.name, enrich.RowSelection("all"), providers=providers
            )
            elapsed = time.perf_counter() - t0
        info = enrich.run_info(ws, table, spec.name)
        found: dict[str, int] = {}
        for c in store.cell_rows(ws, table.id, spec.id).values():
            if c["status"] == CellState.FOUND:
                found[c["provider"]] = found.get(c["provider"], 0) + 1
        prices = {p: ws.settings.providers[p].credits_for("email_finder") for p in finders}
        verified = credits_svc.verify_credits(ws, repair=False).ok
    finally:
        ws.close()
        server.stop()
    calls = {p: len(log.admitted(p)) for p in finders}
    bounds = {p: _least_time(calls[p], *documented_limits(p)) for p in finders}
    binding = max(bounds, key=lambda p: bounds[p])
    times = sorted(sent.times.get(binding, []))
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return Figures(
        rows=rows,
        elapsed_s=elapsed,
        counts={str(k): v for k, v in summary.counts.items()},
        calls=calls,
        refused={p: log.refused(p) for p in finders},
        binding=binding,
        allowed_s=bounds[binding],
        binding_limit=documented_limits(binding)[0],
        binding_rate=(len(times) - 1) / span if span else 0.0,
        binding_peak=busiest_second(times),
        credits=summary.credits,
        per_provider=dict(info.per_provider),
        found=found,
        prices=prices,
        verified=verified,
    )


def report(f: Figures) -> list[list[str]]:
    detail = ", ".join(
        f"{p} {n} calls"
        + (f" @ {documented_limits(p)[0]:g}/s" if documented_limits(p)[0] else "")
        + (f", {documented_limits(p)[1]:g}/min" if documented_limits(p)[1] else "")
        for p, n in f.calls.items()
    )
    return [
        [
            f"waterfall {f.rows} rows ({detail})",
            f"{f.elapsed_s:.2f} s",
            f"{f.allowed_s:.2f} s ({f.binding} bound)",
            f"{f.ratio:.1%} of the binding limit",
        ],
        [
            f"{f.binding} achieved rate (calls sent, first to last)",
            f"{f.binding_rate:.2f}/s",
            f"{f.binding_limit:g}/s",
            f"{f.binding_rate / f.binding_limit:.1%}; peak {f.binding_peak} in 1 s",
        ],
        [
            "calls refused (403/429) / cells in error",
            f"{sum(f.refused.values())} / {f.errors}",
            "0 / 0",
            "",
        ],
        [
            "found / credits (only found cells charged; credits verify)",
            f"{sum(f.found.values())}/{f.rows} / {f.credits:,}",
            "",
            f"{'yes' if f.charged_only_found else 'NO'}; {'ok' if f.verified else 'FAILED'}",
        ],
    ]


def print_table(rows: list[list[str]]) -> None:
    header = ["measure", "achieved", "limit / baseline", "ratio"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--dir", type=Path, default=None, help="where the workspace goes")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clay-bench-", dir=args.dir))
    try:
        figures = asyncio.run(run_waterfall(root, args.rows, latency_ms=args.latency_ms))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_table(report(figures))


if __name__ == "__main__":
    main()
