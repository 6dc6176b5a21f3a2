"""The house style holds: ``ruff check`` and ``ruff format --check`` pass on the code, the tests and
the benchmarks (DESIGN.md makes ruff the formatter), so CI catches an unformatted change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(args: list[str]) -> None:
    done = subprocess.run(
        [str(RUFF), *args, "clay_tui", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_over_500_lines() -> None:
    """Issue 10: a module does one thing; past 500 lines it is split by purpose."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / "clay_tui").rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not long, long
