"""CLI verbs for providers: ``providers [--json]``, ``providers check NAME``, ``providers add
FILE.toml`` (a provider as data) and ``providers remove NAME``.

The CLI has no "connect" (a key typed on a command line lands in the shell's history). Keys
come from the environment variable named in config.toml, or from a key saved in Providers &
keys (OS keyring or the 0600 key file); ``providers`` says whether each one is set and where
it comes from (never its value) and ``providers check`` tries it with one cheap call.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from clay_tui.cli.main import cli
from clay_tui.services import provider_manifests
from clay_tui.services import providers as svc
from clay_tui.table.inert import inert


def _overview_text(statuses: list[svc.ProviderStatus]) -> str:
    header = ("provider", "mode", "billing", "key", "endpoint", "credits", "rate", "conc.")
    rows = [header]
    for s in statuses:
        env = s.key_label if s.api_key_env else "(none)"
        endpoint = s.base_url or ("bundled sandbox" if s.mode == "sandbox" else "(no base_url)")
        rows.append(
            (
                s.name,
                s.mode,
                s.billing,
                env,
                endpoint,
                s.credits_label,
                s.rate_label,
                str(s.concurrency),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for s in statuses:
        if s.last_error:
            lines.append(f"{s.name}: last error {s.last_error_at or ''}: {inert(s.last_error)}")
    return "\n".join(lines)


@cli.group("providers", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the overview as JSON.")
@click.pass_context
def providers_group(ctx: click.Context, as_json: bool) -> None:
    """Show each provider: sandbox or live, own key or credits, key env var, limits."""
    if ctx.invoked_subcommand is not None:
        return
    statuses = svc.provider_overview(ctx.obj.workspace)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        click.echo(_overview_text(statuses))


@providers_group.command("check")
@click.argument("name")
@click.pass_context
def check_cmd(ctx: click.Context, name: str) -> None:
    """Try NAME's key with one cheap real call (may use a little of your provider quota)."""
    click.echo(svc.check_key(ctx.obj.workspace, name))


@providers_group.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def add_cmd(file: Path) -> None:
    """Add a provider from a TOML manifest FILE (validated, then copied to the config dir)."""
    click.echo(provider_manifests.add_manifest(file).message)


@providers_group.command("remove")
@click.argument("name")
def remove_cmd(name: str) -> None:
    """Remove the user provider NAME (its manifest in the config dir)."""
    click.echo(f"Removed {provider_manifests.remove_manifest(name)}.")
