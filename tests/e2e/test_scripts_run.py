"""`./scripts/run` sets up once: it reinstalled with pip on every launch (6 s). With the
venv up to date (a stamp of pyproject.toml's hash) it starts the program straight away.

Runs the real script on a copy of the repository's layout whose .venv/bin/python and
clay-tui are stand-ins that log their calls (no pip, no network)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake(path: Path, log: Path, name: str) -> None:
    path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run", repo / "scripts" / "run")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    bin_ = repo / ".venv" / "bin"
    bin_.mkdir(parents=True)
    log = tmp_path / "calls.log"
    _fake(bin_ / "python", log, "python")
    _fake(bin_ / "clay-tui", log, "clay-tui")
    return repo, log


def _run(repo: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    subprocess.run([str(repo / "scripts" / "run"), *args], check=True, env=env, timeout=30)


def _calls(log: Path) -> list[str]:
    calls = log.read_text(encoding="utf-8").splitlines()
    log.write_text("", encoding="utf-8")
    return calls


def test_scripts_run_installs_once_then_only_when_pyproject_changes(tmp_path: Path) -> None:
    repo, log = _layout(tmp_path)
    _run(repo, "--workspace", "/tmp/x")
    first = _calls(log)
    assert any("pip install" in c and "-e ." in c for c in first)
    assert first[-1] == "clay-tui --workspace /tmp/x"
    _run(repo)
    assert _calls(log) == ["clay-tui "]  # up to date: no pip at all
    with (repo / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n# a new dependency\n")
    _run(repo)
    assert any("pip install" in c for c in _calls(log))


def test_pyproject_license_is_the_spdx_string_setuptools_wants() -> None:
    """The `license = { text = ... }` table made setuptools warn on every install."""
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    assert "setuptools>=77" in data["build-system"]["requires"]  # the first to take it
