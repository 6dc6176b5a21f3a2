"""``clay-tui``: open the TUI (no verb) or run a headless verb.

Every verb module registers its commands on :data:`cli`. A ``ClayError`` from
any verb becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import gc
import importlib
import os
import sqlite3
import sys
from pathlib import Path

# Polars' allocator (jemalloc) otherwise keeps the pages freed while a big CSV is parsed, which
# leaves a 1M-row session ~40 MB heavier for its whole life (measured in bench/open_table.py).
# It must be set before polars is first imported.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import click

from clay_tui.cli.context import CliContext
from clay_tui.errors import ClayError, failure_sentence, team_db_sentence


class ClayGroup(click.Group):
    """A group whose first positional argument may be a file or table to open in the TUI."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `clay-tui leads.csv` / `clay-tui my-table`: not a verb, so open the TUI on it.
        idx = _first_positional(args)
        if idx is not None and args[idx] not in self.commands and args[idx] not in _VERBS:
            args = args[:idx] + ["open"] + args[idx:]
        return super().parse_args(ctx, args)

    # A verb's module is imported when the verb runs (start-up: `clay-tui FILE` then loads
    # the TUI's modules only, not the engine's, the ledger reports' or the sandbox's).
    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _VERBS:
            importlib.import_module(f"clay_tui.cli.{_VERBS[cmd_name]}")
        if cmd_name in _SUBVERBS:  # subcommands another module adds to this verb's group
            importlib.import_module(f"clay_tui.cli.{_SUBVERBS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register()  # `--help` lists every verb
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ClayError as exc:
            click.echo(f"clay-tui: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (sqlite3.DatabaseError, OSError, RecursionError, UnicodeError) as exc:
            sentence = failure_sentence(exc, _workspace_dir(ctx))
            if sentence is None:
                raise
            click.echo(f"clay-tui: {sentence}", err=True)
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - only a team workspace's database failure
            sentence = team_db_sentence(exc)
            if sentence is None:
                raise
            click.echo(f"clay-tui: {sentence}", err=True)
            ctx.exit(2)

    def main(
        self,
        args=None,
        prog_name=None,
        complete_var=None,  # noqa: ANN001, ANN201
        standalone_mode=True,
        **extra,
    ):  # noqa: ANN001, ANN003
        """click's own main, except that a usage error is one line, not three."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "clay-tui"
            message = exc.format_message().strip().rstrip(".")
            click.echo(f"clay-tui: {message} (see `{where} --help`).", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"clay-tui: {exc.format_message().strip()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("clay-tui: stopped.", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)


def _workspace_dir(ctx: click.Context) -> Path | None:
    obj = ctx.find_object(CliContext)
    if obj is None:
        return None
    ws = obj._workspace
    if ws is not None:
        return Path(ws.root)
    if obj._settings is not None:
        return Path(obj._settings.workspace)
    return Path(obj.workspace_path) if obj.workspace_path else None


_VALUE_OPTIONS = {"--config", "--workspace", "--user"}

# Each verb and the module that registers it on `cli` (imported by `get_command` when the
# verb runs); tests/unit/test_cli_dispatch.py checks this matches what the modules register.
_VERBS = {
    "open": "open_cmd",
    "workspace": "workspace_cmds",
    "cell": "cell_cmds",
    "credits": "credits_cmds",
    "usage": "credits_cmds",
    "actions": "enrich_cmds",
    "add-column": "enrich_cmds",
    "run": "enrich_cmds",
    "run-info": "enrich_cmds",
    "recipes": "enrich_cmds",
    "remove-column": "enrich_cmds",
    "edit-column": "enrich_cmds",
    "auto-update": "enrich_cmds",
    "providers": "provider_cmds",
    "sandbox": "sandbox_cmds",
    "import": "table_cmds",
    "tables": "table_cmds",
    "export": "table_cmds",
    "members": "members_cmds",
    "condition": "draft_cmds",  # write a condition / formula with AI
    "formula": "draft_cmds",
    "find-people": "find_cmds",
}
_SUBVERBS = {"credits": "calc_cmds"}  # `credits calculate` lives in its own module


def _first_positional(args: list[str]) -> int | None:
    """Index of the first argument that is neither an option nor an option's value."""
    skip = False
    for idx, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--":
            return idx + 1 if idx + 1 < len(args) else None
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return idx
    return None


@click.group(cls=ClayGroup, invoke_without_command=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="config.toml to read (default: ./config.toml, then the user config dir).",
)
@click.option(
    "--workspace",
    "workspace",
    type=str,  # a folder, or a postgresql:// URL (a Path would fold its "//")
    default=None,
    envvar="CLAY_TUI_WORKSPACE",
    help="Workspace folder or postgresql://user@host:port/db (env: CLAY_TUI_WORKSPACE).",
)
@click.option(
    "--user",
    "user",
    default=None,
    envvar="CLAY_TUI_USER",
    help="The member to act as (env: CLAY_TUI_USER; default: your login name).",
)
@click.version_option(package_name="clay-tui")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, workspace: str | None, user: str | None
) -> None:
    """A terminal enrichment table for lead lists.

    With no verb, opens the TUI on the sample leads table; `clay-tui FILE|TABLE` opens that.
    """
    ctx.obj = CliContext(config_path=config_path, workspace_path=workspace, user=user)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand not in (None, "open"):
        gc.enable()  # the verb's modules are in (see main); `open` turns it on after the TUI's
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.get_command(ctx, "open"), target=None)


def _register() -> None:
    """Import every verb module (each adds its commands to `cli`); `main` imports only the
    verb it runs."""
    for module in sorted(set(_VERBS.values()) | set(_SUBVERBS.values())):
        importlib.import_module(f"clay_tui.cli.{module}")


def main(argv: list[str] | None = None) -> None:
    # Start-up: no cyclic GC passes while the verb's modules load (they live as long as the
    # process; measured: ~15% of the CPU time of importing what `clay-tui FILE` needs).
    # It is on again before a verb does its work: in `cli`, or for `open` once the TUI loaded.
    gc.disable()
    try:
        cli.main(args=argv, prog_name="clay-tui", standalone_mode=True)
    except ClayError as exc:  # raised while building the context, before a verb ran
        click.echo(f"clay-tui: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (sqlite3.DatabaseError, OSError, RecursionError) as exc:
        sentence = failure_sentence(exc, None)
        if sentence is None:
            raise
        click.echo(f"clay-tui: {sentence}", err=True)
        sys.exit(2)
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
