"""The bundled provider sandbox, served on its own by ``clay-tui sandbox``.

The client side reaches the sandbox only through services (the import contracts in
pyproject.toml): the CLI here, the providers through the starter in ``services/__init__``.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from clay_tui.config import SandboxSettings
from clay_tui.errors import ClayError
from clay_tui.sandbox.asgi import call_app
from clay_tui.sandbox.server import SandboxServer, server_at


def start_sandbox(settings: SandboxSettings, port: int | None) -> SandboxServer:
    """A started sandbox server on 127.0.0.1 (``port`` None: the one in settings; 0: any free
    one); ClayError in one sentence if it cannot listen. Stop it with ``stop()``."""
    server = SandboxServer(settings, port=port)
    try:
        server.start()
    except (OSError, OverflowError) as exc:
        text = getattr(exc, "strerror", None) or str(exc)
        raise ClayError(f"Cannot start the sandbox on port {port}: {text}.") from None
    return server


class InProcessTransport(httpx.AsyncBaseTransport):
    """Hands each request straight to the sandbox's ASGI app on the sandbox's own thread and
    loop (as its port does): no sockets, no HTTP parsing. The sandbox's work then overlaps the
    caller's (a run's fsyncs), and its latency sleeps never touch the caller's loop. The
    caller's ``asyncio.timeout`` bounds a hanging answer (cancelling it in the sandbox)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        loop = self.server.loop
        if loop is None or loop.is_closed():
            raise httpx.ConnectError("The sandbox has stopped.")
        body = await request.aread()
        url = request.url
        scope = {
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 0),
        }
        future = asyncio.run_coroutine_threadsafe(call_app(self.server.app, scope, body), loop)
        # Let the sandbox's thread take the GIL now rather than at the next 5 ms switch: a
        # socket send did this for free (without it the adapter alone runs ~25% slower).
        time.sleep(0)
        status, headers, content = await asyncio.wrap_future(future)
        return httpx.Response(status, headers=headers, content=content)


def in_process_transport(url: str) -> httpx.AsyncBaseTransport | None:
    """The in-process way to the sandbox serving ``url``, or None if none in this process
    does (then the client uses sockets)."""
    server = server_at(url)
    return InProcessTransport(server) if server is not None else None
