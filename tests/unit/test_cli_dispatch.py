"""`clay-tui FILE` means `clay-tui open FILE`, wherever the global options stand."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from clay_tui.cli.main import _VERBS, _first_positional, cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["leads.csv"], 0),
        (["--workspace", "/tmp/w", "leads.csv"], 2),
        (["--config", "c.toml", "--workspace", "w", "t"], 4),
        (["--workspace", "w"], None),
        (["--version"], None),
        (["--", "-odd.csv"], 1),
        ([], None),
    ],
)
def test_first_positional_skips_option_values(args: list[str], expected: int | None) -> None:
    assert _first_positional(args) == expected


def test_every_verb_is_listed_with_the_module_that_registers_it() -> None:
    # Verb modules load when their verb runs (start-up); the table of verbs must stay whole,
    # or `clay-tui VERB` would open a table named VERB.
    code = (
        "from clay_tui.cli.main import _VERBS, _register, cli\n"
        "before = set(cli.commands)\n"
        "_register()\n"
        "import json, sys\n"
        "owner = {name: cmd.callback.__module__.rsplit('.', 1)[1]\n"
        "         for name, cmd in cli.commands.items()}\n"
        "print(json.dumps([sorted(before), owner, _VERBS]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, owner, verbs = json.loads(out.stdout)
    assert before == []  # importing the CLI registers no verb module yet
    assert owner == verbs


def test_a_verb_runs_and_help_lists_all(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "ws"), "--help"])
    assert result.exit_code == 0
    for verb in _VERBS:
        assert verb in result.output
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "ws"), "tables"])
    assert result.exit_code == 0, result.output


def test_the_cyclic_gc_is_off_only_while_modules_load(tmp_path, monkeypatch) -> None:
    # main() turns the GC off for start-up; a verb must run with it on, and it stays on after.
    import gc

    from clay_tui.cli.main import main
    from clay_tui.services import tables

    during: list[bool] = []
    real = tables.list_tables
    monkeypatch.setattr(tables, "list_tables", lambda ws: during.append(gc.isenabled()) or real(ws))
    with pytest.raises(SystemExit) as done:
        main(["--workspace", str(tmp_path / "ws"), "tables"])
    assert done.value.code == 0
    assert during == [True] and gc.isenabled()
