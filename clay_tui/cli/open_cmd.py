"""`clay-tui open [FILE|TABLE]` (also plain `clay-tui FILE|TABLE`): the TUI."""

from __future__ import annotations

import gc

import click

from clay_tui.cli.context import CliContext
from clay_tui.cli.main import cli
from clay_tui.errors import ClayError


@cli.command("open")
@click.argument("target", required=False)
@click.pass_obj
def open_cmd(obj: CliContext, target: str | None) -> None:
    """Open FILE or TABLE in the TUI (no argument: the sample leads table)."""
    from clay_tui.services import tables

    ws = obj.workspace
    tables.prefetch_table(ws, target)  # start-up: the file is read while Textual loads
    try:
        from clay_tui.ui import startup

        startup.defer()  # the engine and the ledger load once the first rows are painted
        from clay_tui.ui.app import ClayApp  # Textual only loads for the TUI

        gc.enable()  # off while the modules loaded (see main)
        app = ClayApp(ws, target=target)
        try:
            app.run()
        finally:
            if app.fatal_error is None:  # (a damaged database or a full disk: nothing to save)
                app.save_all()  # also on exit paths that skipped action_quit (ctrl+c, errors)
    finally:
        tables.settle_prefetch()  # never close the workspace under a table still opening
    if app.fatal_error:
        raise ClayError(app.fatal_error)
    if app.load_error:
        raise ClayError(app.load_error)
