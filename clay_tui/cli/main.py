"""``clay-tui``: open the TUI (no verb) or run a headless verb.

Every verb module registers its commands on :data:`cli`. A ``ClayError`` from
any verb becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import errno
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
from clay_tui.errors import ClayError


class ClayGroup(click.Group):
    """A group whose first positional argument may be a file or table to open in the TUI."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `clay-tui leads.csv` / `clay-tui my-table`: not a verb, so open the TUI on it.
        idx = _first_positional(args)
        if idx is not None and args[idx] not in self.commands:
            args = args[:idx] + ["open"] + args[idx:]
        return super().parse_args(ctx, args)

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

    def main(self, args=None, prog_name=None, complete_var=None,  # noqa: ANN001, ANN201
             standalone_mode=True, **extra):  # noqa: ANN001, ANN003
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
    return obj.workspace_path


def _size_mb(folder: Path | None) -> float:
    if folder is None or not folder.is_dir():
        return 0.0
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            pass
    return total / 1e6


def failure_sentence(exc: BaseException, workspace: Path | None) -> str | None:
    """One sentence for a failure of the machine rather than of the user (a damaged
    database, a full disk, a folder that cannot be written); None for a bug."""
    where = f" {workspace}" if workspace is not None else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        "disk is full" in low or "no space left" in low)
    if full:
        need = max(1.0, _size_mb(workspace))
        return (f"The disk is full, so the workspace{where} could not be written ({text}): "
                f"free at least {need:,.0f} MB and run it again; what was stored is kept and "
                f"nothing is charged twice.")
    if isinstance(exc, RecursionError):
        return "The input is nested too deep to read."
    if isinstance(exc, UnicodeDecodeError):
        return (f"The file is not valid {exc.encoding} text ({exc.reason} at byte "
                f"{exc.start:,}): save it as UTF-8 and try again.")
    if isinstance(exc, sqlite3.DatabaseError):
        if any(w in low for w in ("malformed", "not a database", "corrupt", "disk i/o")):
            return (f"The workspace database{where} is damaged ({text}): restore "
                    f"workspace.db from a backup, or move the workspace folder aside to start "
                    f"a new one.")
        if "locked" in low or "busy" in low:
            return (f"The workspace{where} is busy in another clay-tui process ({text}); "
                    f"try again when it finishes.")
        if "readonly" in low or "read-only" in low:
            return f"The workspace{where} cannot be written ({text}): check its permissions."
        return f"The workspace database{where} failed: {text}."
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS,
                                                    errno.EISDIR, errno.ENOTDIR):
        name = f" {exc.filename}" if exc.filename else where
        return f"Cannot write{name}: {exc.strerror or text}."
    return None


_VALUE_OPTIONS = {"--config", "--workspace"}


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
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="config.toml to read (default: ./config.toml, then the user config dir).")
@click.option("--workspace", "workspace", type=click.Path(path_type=Path), default=None,
              envvar="CLAY_TUI_WORKSPACE", help="Workspace folder (env: CLAY_TUI_WORKSPACE).")
@click.version_option(package_name="clay-tui")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, workspace: Path | None) -> None:
    """A terminal enrichment table for lead lists.

    With no verb, opens the TUI on the sample leads table; `clay-tui FILE|TABLE` opens that.
    """
    ctx.obj = CliContext(config_path=config_path, workspace_path=workspace)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.commands["open"], target=None)


def _register() -> None:
    # Imported for their side effect of adding commands to `cli`.
    from clay_tui.cli import (  # noqa: F401
        credits_cmds,
        enrich_cmds,
        open_cmd,
        provider_cmds,
        sandbox_cmds,
        table_cmds,
    )


def main(argv: list[str] | None = None) -> None:
    _register()
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


if __name__ == "__main__":
    main()
