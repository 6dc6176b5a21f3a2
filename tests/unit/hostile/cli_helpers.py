"""Running the CLI on hostile input: in process (fast) or as a real process (signals)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from clay_tui.cli.main import _register, cli

_register()
REPO = Path(__file__).resolve().parents[3]
_MAIN = "import sys; from clay_tui.cli.main import main; sys.argv[0] = 'clay-tui'; main()"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def invoke(*args: str, input: str | None = None, env: dict | None = None) -> Outcome:  # noqa: A002
    """In process; a click usage error, a ClayError or a crash all come back as an Outcome."""
    res = CliRunner().invoke(cli, list(args), input=input, env=env, prog_name="clay-tui")
    exc = res.exception if not isinstance(res.exception, SystemExit) else None
    return Outcome(res.exit_code, res.stdout, res.stderr, exc)


def spawn(*args: str, input: str | None = None, timeout: float = 60) -> Outcome:
    """A real ``clay-tui`` process (for what can kill a process: signals, segfaults)."""
    env = {**os.environ, "PYTHONFAULTHANDLER": ""}
    proc = subprocess.run(
        [sys.executable, "-c", _MAIN, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def assert_one_sentence(
    out: Outcome, code: int = 2, *, contains: str | None = None, progress: bool = False
) -> str:
    """Exit ``code``, one line on stderr starting ``clay-tui:``, no traceback, no crash.

    ``progress``: a run's estimate and progress lines may come before that line."""
    assert out.exception is None, f"crashed: {out.exception!r}"
    assert out.code == code, (out.code, out.stderr[-2000:])
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    if progress and lines:
        estimate = ("[", "  then", "  rows ", "  capped ")  # the estimate and progress lines
        assert all("rows to run" in ln or ln.startswith(estimate) for ln in lines[:-1]), out.stderr[
            -2000:
        ]
        lines = lines[-1:]
    assert len(lines) == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    line = lines[0]
    assert line.startswith("clay-tui: "), line
    assert len(line) < 600, f"a sentence, not a dump ({len(line)} characters)"
    if contains is not None:
        assert contains.lower() in line.lower(), line
    return line
