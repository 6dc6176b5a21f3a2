"""Start-up: only what the first screen needs is imported before it paints (issue 10, item 7).

A fresh interpreter runs the real command line (``clay-tui --workspace WS leads.csv``) with the
app driven headless instead of in a terminal, and lists what was imported by the time the
table's rows are on the first screen. The HTTP client, the cleaning libraries, the sandbox,
the spreadsheet reader and the screens nobody opened must not be among them: they load
when first needed (see bench/startup.py for the time this saves).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

NOT_AT_START = [
    "httpx",
    "aiolimiter",
    "email_validator",
    "phonenumbers",
    "fastexcel",
    "xlsxwriter",
    "clay_tui.sandbox",
    "clay_tui.enrich.runner",
    "clay_tui.ui.screens.add_column_screen",
    "clay_tui.ui.screens.cell_details_screen",
    "clay_tui.ui.screens.columns_screen",
    "clay_tui.ui.screens.edit_column_screen",
    "clay_tui.ui.screens.import_rows_screen",
    "clay_tui.ui.screens.run_dialog",
    "clay_tui.ui.screens.run_info_screen",
    "clay_tui.ui.screens.plans_billing_screen",
    "clay_tui.ui.screens.providers_screen",
    "clay_tui.ui.screens.credit_usage_screen",
    "clay_tui.ui.screens.help_screen",
]

# Runs `clay-tui` as the console script does, but the app runs headless (run_test) and
# stops once the first screen shows the table's rows; prints what was imported then.
CHILD = """
import asyncio, gc, json, sys
from clay_tui.cli import main as cli
from clay_tui.ui.app import ClayApp

seen = {}

async def _first_screen(app):
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(400):
            await pilot.pause(0.02)
            screen = app.table_screen
            if app.table is not None and screen is not None and screen.grid.row_count:
                break
        await pilot.pause()
        seen["rows"] = app.table_screen.grid.row_count if app.table_screen else 0
        seen["modules"] = sorted(sys.modules)
        seen["gc"] = gc.isenabled()  # off only while the modules loaded
        app.exit()

ClayApp.run = lambda self, *a, **k: asyncio.run(_first_screen(self))
try:
    cli.main(sys.argv[1:])
except SystemExit as exc:
    seen["exit"] = exc.code
print("IMPORTED " + json.dumps(seen))
"""


def _first_screen_imports(tmp_path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [
        sys.executable,
        "-c",
        CHILD,
        "--workspace",
        str(tmp_path / "ws"),
        str(REPO / "sample_tables" / "leads.csv"),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("IMPORTED ")]
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1][len("IMPORTED ") :])


def _loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_first_screen_imports_only_what_it_needs(tmp_path: Path) -> None:
    seen = _first_screen_imports(tmp_path)
    assert seen.get("exit") in (0, None)
    assert seen["rows"] == 200  # the first screen did show the table
    assert seen["gc"] is True
    modules = seen["modules"]
    assert "polars" in modules and "textual.app" in modules  # the probe sees real imports
    assert [n for n in NOT_AT_START if _loaded(modules, n)] == []
