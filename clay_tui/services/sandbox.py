"""The bundled provider sandbox, served on its own by ``clay-tui sandbox``.

The client side reaches the sandbox only through services (the import contracts in
pyproject.toml): the CLI here, the providers through the starter in ``services/__init__``.
"""

from __future__ import annotations

import httpx

from clay_tui.config import SandboxSettings
from clay_tui.errors import ClayError
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


def in_process_transport(url: str) -> httpx.AsyncBaseTransport | None:
    """The in-process way to the sandbox serving ``url`` (its ASGI app run in the caller's
    loop: no sockets, no HTTP parsing), or None if no sandbox of this process serves ``url``
    (then the client uses sockets). The caller's ``asyncio.timeout`` ends a hanging answer.

    Measured against handing each request to the sandbox's own thread and loop
    (run_coroutine_threadsafe): that kept a zero-latency paid run level with the old
    hand-written transport, but the cross-thread hand-off cost the raw adapter ~20% and made
    rate-limited runs jittery (bench/engine.py (b): 6.8-9.6 calls/s of 10 against 9.4-9.5
    here); see bench/sandbox_transport.py."""
    server = server_at(url)
    return httpx.ASGITransport(app=server.app) if server is not None else None
