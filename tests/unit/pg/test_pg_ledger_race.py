"""Many processes reserving against one small balance on PostgreSQL never overspend."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from credit_helpers import make_settings

from clay_tui.clock import FixedClock
from clay_tui.credits import Ledger
from clay_tui.credits.verify import verify
from clay_tui.workspace import Workspace

REPO = Path(__file__).resolve().parents[3]
HELPERS = REPO / "tests" / "unit" / "credits"
START = datetime(2026, 11, 15, 12, tzinfo=UTC)

WORKER = r"""
import json, sys, time, dataclasses
from pathlib import Path
from datetime import UTC, datetime
sys.path.insert(0, sys.argv[4])
from credit_helpers import make_settings, ctx
from credit_helpers import make_settings

from clay_tui.clock import FixedClock
from clay_tui.credits import Ledger
from clay_tui.errors import InsufficientCredits
from clay_tui.workspace import Workspace

url, who, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
settings = dataclasses.replace(
    make_settings(Path("/nonexistent"), plan={"name": "Free", "monthly_credits": 100}),
    workspace_url=url,
)
clock = FixedClock(datetime(2026, 11, 15, 12, tzinfo=UTC))
ws = Workspace.open(settings, clock)
ledger = Ledger(ws)
while not go.exists():
    time.sleep(0.01)
got, refused = [], 0
for i in range(40):
    try:
        res = ledger.reserve(3, f"{who}:{i}", context=ctx(row=i))
    except InsufficientCredits:
        refused += 1
        continue
    got.append(res.amount)
    if i % 2:
        ledger.capture(res, 3)
print(json.dumps({"got": got, "refused": refused}))
"""


def test_four_processes_cannot_race_a_small_balance_into_overspending(
    pg_url: str, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        make_settings(tmp_path, plan={"name": "Free", "monthly_credits": 100}),
        workspace_url=pg_url,
    )
    with Workspace.open(settings, FixedClock(START)) as ws:
        assert Ledger(ws).balance().available == 100  # the plan's grant, made once
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, pg_url, f"p{n}", str(go), str(HELPERS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for n in range(4)
    ]
    time.sleep(1.0)  # all four connected and waiting
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    held = sum(sum(r["got"]) for r in results)
    assert held == 99  # 33 reservations of 3 fit in 100; the 34th never does
    assert sum(r["refused"] for r in results) == 4 * 40 - 33
    with Workspace.open(settings, FixedClock(START)) as ws:
        ledger = Ledger(ws)
        b = ledger.balance()
        assert b.available == 1 and b.available >= 0
        report = verify(ledger, repair=False, alive=lambda pid: True)
        assert report.ok, [c for c in report.checks if not c.ok]
