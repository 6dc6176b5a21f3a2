"""The sandbox's transport, side by side: today's ASGI app (Starlette) reached in-process by
sandbox-mode clients vs the hand-written HTTP/1.1 server + LoopbackTransport it replaced
(taken from git at --old, default cea215a, into a temp dir), alternating, medians.

Measures what bench/engine.py part (a) does at zero latency: the raw Hunter adapter (calls/s,
no engine) and a paid verify_email column through the engine with the durable ledger
(cells/s), plus the process CPU time per call (less noisy on a shared machine).

    python bench/sandbox_transport.py [--cells 2000] [--repeats 5] [--old cea215a]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import engine as E

from clay_tui.config import SandboxSettings
from clay_tui.enrich.spec import ColumnSpec
from clay_tui.providers import hunter
from clay_tui.providers.registry import Providers
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services import enrich, tables
from clay_tui.services.sandbox import in_process_transport

REPO = Path(__file__).resolve().parent.parent
OLD_FILES = {
    "old_http": "clay_tui/sandbox/http.py",
    "old_server": "clay_tui/sandbox/server.py",
    "old_loopback": "clay_tui/providers/loopback.py",
}


def load_old(commit: str, folder: Path) -> tuple[object, object]:
    for name, path in OLD_FILES.items():
        text = subprocess.run(
            ["git", "show", f"{commit}:{path}"], cwd=REPO, capture_output=True, text=True
        ).stdout
        text = text.replace("from clay_tui.sandbox.http import", "from old_http import")
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module("old_server"), importlib.import_module("old_loopback")


def variant(name: str, old_server, old_loopback):
    settings = SandboxSettings(latency_ms=0, jitter_ms=0)
    if name == "hand-written":
        server = old_server.SandboxServer(settings)
        server.router.enforce_limits = False
        url = server.start()
        return server, url, old_loopback.LoopbackTransport
    server = SandboxServer(settings)
    server.router.enforce_limits = False
    url = server.start()
    return server, url, lambda: in_process_transport(url)


async def raw(settings, url, make, emails, concurrency=64) -> tuple[float, float]:
    providers = Providers(settings, sandbox_url=url, transport=make())
    client = providers.client("hunter")
    queue = list(emails)

    async def worker() -> None:
        while queue:
            await hunter.verify_email(client, email=queue.pop())

    c0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    await providers.aclose()
    return len(emails) / wall, cpu / len(emails) * 1e6


async def paid(root, settings, url, make, csv_path, tag) -> tuple[float, float]:
    ws = E.fresh_ws(root, tag, settings)
    table = tables.import_table(ws, csv_path, name="big")
    spec = ColumnSpec(name="Verified", action="verify_email", inputs={"email": "email"})
    enrich.add_column(ws, table, spec)
    providers = Providers(ws.settings, sandbox_url=url, transport=make())
    c0, t0 = time.process_time(), time.perf_counter()
    summary = await enrich.run_column(
        ws, table, spec.name, enrich.RowSelection("all"), providers=providers
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    await providers.aclose()
    ws.close()
    cells = sum(summary.counts.values())
    assert summary.counts.get("error", 0) == 0, summary.counts
    return cells / wall, cpu / cells * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--old", default="cea215a", help="the commit with the old transport")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clay-bench-transport-"))
    names = ["hand-written", "asgi in-process"]
    got: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    try:
        old_server, old_loopback = load_old(args.old, root)
        settings = E.settings_for(root / "s", concurrency=64)
        csv_path = E.big_csv(root / "big.csv", args.cells)
        with csv_path.open(encoding="utf-8") as fh:
            emails = [r["email"] for r in csv.DictReader(fh)]
        for rep in range(args.repeats):
            for name in names if rep % 2 == 0 else names[::-1]:
                server, url, make = variant(name, old_server, old_loopback)
                try:
                    figures = asyncio.run(raw(settings, url, make, emails))
                    figures += asyncio.run(
                        paid(root, settings, url, make, csv_path, f"{name[:4]}{rep}")
                    )
                finally:
                    server.stop()
                for key, value in zip(("raw", "raw_cpu", "paid", "paid_cpu"), figures, strict=True):
                    got[name].setdefault(key, []).append(value)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows = [
        ("raw adapter calls/s", "raw"),
        ("raw adapter CPU us/call", "raw_cpu"),
        ("paid cells/s (durable)", "paid"),
        ("paid CPU us/cell", "paid_cpu"),
    ]
    print(f"{f'measure (median of {args.repeats})':30s}{names[0]:>14s}{names[1]:>17s}  ratio")
    for label, key in rows:
        old = statistics.median(got[names[0]][key])
        new = statistics.median(got[names[1]][key])
        spread = f"{min(got[names[1]][key]):.0f}-{max(got[names[1]][key]):.0f}"
        print(f"{label:30s}{old:14.0f}{new:17.0f}  {new / old:.2f}x  (new spread {spread})")


if __name__ == "__main__":
    main()
