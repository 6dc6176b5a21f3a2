"""The bundled provider sandbox, served on its own by ``clay-tui sandbox``.

The client side reaches the sandbox only through services (the import contracts in
pyproject.toml): the CLI here, the providers through the starter in ``services/__init__``.
"""

from __future__ import annotations

import httpx

from clay_tui.config import SandboxSettings
from clay_tui.errors import ClayError
from clay_tui.sandbox.server import SandboxServer, app_at


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
    """An httpx transport that hands requests for the sandbox at ``url`` straight to its ASGI
    app in the caller's event loop (no sockets, no HTTP parsing), or None if no sandbox of this
    process serves ``url``. The client's own ``asyncio.timeout`` bounds a hanging answer."""
    app = app_at(url)
    return httpx.ASGITransport(app=app) if app is not None else None
