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
    # Textual widgets only forms use (the focus rule looks them up when a form has a key)
    "textual.widgets._data_table",
    "textual.widgets._text_area",
    "textual.widgets._toggle_button",
    # the engine and the ledger behind services.enrich and services.credits (ui/startup.py)
    "clay_tui.enrich.estimate",
    "clay_tui.enrich.run_info",
    "clay_tui.enrich.cell_details",
    "clay_tui.enrich.auto_update",
    "clay_tui.credits.ledger",
    "clay_tui.credits.reports",
    "clay_tui.credits.verify",
]

# Runs `clay-tui` as the console script does, but the app runs headless (run_test) and
# stops once the first screen shows the table's rows; prints what was imported when the first
# rows were painted (when the table screen loads what it deferred) and what is deferred after.
CHILD = """
import asyncio, gc, json, sys
from clay_tui.cli import main as cli
from clay_tui.ui import startup
from textual.app import App

seen = {}
load_deferred = startup.load_deferred

def _at_first_paint(*args):
    if "modules" not in seen:
        seen["rows"] = app.table_screen.grid.row_count
        seen["modules"] = sorted(sys.modules)
        seen["deferred"] = startup.pending()
        seen["credits_then"] = app.table_screen.status.credits_text
    load_deferred(*args)

startup.load_deferred = _at_first_paint

async def _first_screen(the_app):
    global app
    app = the_app
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(400):
            await pilot.pause(0.02)
            screen = app.table_screen
            if "modules" in seen and screen.runs is not None:
                break
        await pilot.pause()
        seen["gc"] = gc.isenabled()  # off only while the modules loaded
        seen["deferred_after"] = startup.pending()
        seen["credits_after"] = app.table_screen.status.credits_text
        app.exit()

App.run = lambda self, *a, **k: asyncio.run(_first_screen(self))  # (ClayApp's own run)
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
    # the engine and the ledger were placeholders at the first paint, loaded right after it
    assert seen["deferred"] == [
        "clay_tui.services.credits",
        "clay_tui.services.enrich",
        "clay_tui.services.live",
    ]
    assert seen["deferred_after"] == []
    assert seen["credits_then"] == "" and "credits" in seen["credits_after"]
    modules = seen["modules"]
    assert "polars" in modules and "textual.app" in modules  # the probe sees real imports
    assert [n for n in NOT_AT_START if _loaded(modules, n)] == []
