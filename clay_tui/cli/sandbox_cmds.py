"""``clay-tui sandbox``: serve the bundled provider sandbox until Ctrl-C."""

from __future__ import annotations

import dataclasses

import click

from clay_tui.cli.main import cli


@cli.command("sandbox")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port on 127.0.0.1 (default: sandbox.port from config; 0 = any free port).",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 3_600_000),
    default=None,
    help="Simulated latency per call (default: sandbox.latency_ms).",
)
@click.pass_context
def sandbox_cmd(ctx: click.Context, port: int | None, latency_ms: float | None) -> None:
    """Serve the provider sandbox (Hunter, Prospeo, OpenAI shapes) until Ctrl-C."""
    from clay_tui.services.sandbox import start_sandbox

    settings = ctx.obj.settings.sandbox
    if latency_ms is not None:
        settings = dataclasses.replace(settings, latency_ms=latency_ms)
    server = start_sandbox(settings, port)
    url = server.url
    click.echo(f"Sandbox listening on {url}  (key: sandbox-key; Ctrl-C to stop)")
    click.echo(f"  Hunter:  {url}/hunter/v2/email-finder, /v2/email-verifier, /v2/account")
    click.echo(f"  Prospeo: {url}/prospeo/enrich-person, /account-information")
    click.echo(f"  OpenAI:  {url}/openai/v1/chat/completions, /v1/models")
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo("Stopping the sandbox.")
    finally:
        server.stop()
