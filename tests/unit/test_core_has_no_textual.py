"""The core (everything but clay_tui.ui) must import and run without Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import clay_tui

PACKAGE = Path(clay_tui.__file__).parent


def _core_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts
        if "ui" in parts[1:2]:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_core_imports_without_textual() -> None:
    modules = _core_modules()
    assert "clay_tui.config" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    if name.endswith('cli.main') or '.cli.' in name:\n"
        "        continue\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
