"""The sandbox HTTP server: the ASGI app (``asgi.py``) served by uvicorn on its own thread.

Sandbox-mode clients in this process skip the sockets (``app_at(url)`` + an in-process ASGI
transport); the port serves everyone else: ``clay-tui sandbox``, official client libraries,
tests speaking raw HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import TYPE_CHECKING

from clay_tui.config import SandboxSettings, Settings
from clay_tui.errors import ProviderError
from clay_tui.sandbox.routes import Router

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

_by_url: dict[str, SandboxServer] = {}


def _not_a_cancelled_answer(record: logging.LogRecord) -> bool:
    """uvicorn logs an answer cancelled by a stop (a hanging "timeout" fault, a latency sleep)
    as "Exception in ASGI application" with a traceback: that is no error here."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError)


logging.getLogger("uvicorn.error").addFilter(_not_a_cancelled_answer)


class SandboxServer:
    """The sandbox on 127.0.0.1 (ephemeral port by default), served from a background thread."""

    def __init__(
        self,
        settings: SandboxSettings,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        tls: tuple[str, str] | None = None,
    ) -> None:
        """``tls`` = (certificate file, key file), PEM: serve https (for clients that refuse
        anything else, as ZeroBounce's SDK does); plain http without it."""
        self.settings = settings
        self.tls = tls
        self.host = host
        self.port = settings.port if port is None else port
        self.router = Router(settings)
        # Starlette and uvicorn (~0.3 s to import) load when a sandbox is made, not with this
        # module (services.providers imports it for running_sandbox_url).
        from clay_tui.sandbox.asgi import sandbox_app

        self.app: Starlette = sandbox_app(self.router)
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the server thread's loop

    def start(self) -> str:
        """Start serving; returns the base URL ``http://127.0.0.1:PORT`` (https with ``tls``).
        A port that is taken or out of range raises OSError/OverflowError here, before any
        thread starts."""
        if self.url is not None:
            return self.url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(1024)  # connections queue from here on, before uvicorn's loop runs
        except BaseException:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        import uvicorn  # see __init__

        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=75,
            timeout_graceful_shutdown=1,
            ssl_certfile=self.tls[0] if self.tls else None,
            ssl_keyfile=self.tls[1] if self.tls else None,
        )
        server = uvicorn.Server(config)
        self._server = server
        running = threading.Event()

        async def serve() -> None:
            self.loop = asyncio.get_running_loop()
            running.set()
            await server.serve(sockets=[sock])

        self._thread = threading.Thread(
            target=lambda: asyncio.run(serve()), name="clay-tui-sandbox", daemon=True
        )
        self._thread.start()
        running.wait(10)
        self.url = f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"
        _by_url[self.url] = self
        return self.url

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        server.force_exit = True
        thread.join(10)
        _by_url.pop(self.url or "", None)
        self._server = self._thread = self.loop = None
        self.url = None

    @property
    def socket_requests(self) -> int:
        """How many requests arrived over the port (in-process ones are not counted)."""
        return self._server.server_state.total_requests if self._server is not None else 0

    def wait(self) -> None:
        """Block until the server thread ends (for ``clay-tui sandbox``)."""
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(0.5)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_at(url: str) -> SandboxServer | None:
    """The sandbox serving ``url`` in this process, or None (another process's)."""
    return _by_url.get(url.rstrip("/"))


_shared: dict[tuple, SandboxServer] = {}
_shared_lock = threading.Lock()


def _key(settings: SandboxSettings) -> tuple:
    faults = tuple(sorted((p, tuple(sorted(f.items()))) for p, f in settings.faults.items() if f))
    return (settings.port, float(settings.latency_ms), float(settings.jitter_ms), faults)


def set_shared(server: SandboxServer | None, settings: SandboxSettings | None = None) -> None:
    """Make ``server`` (already started) what ensure_sandbox returns for its settings (tests);
    ``set_shared(None, settings)`` forgets the server for those settings."""
    with _shared_lock:
        if server is not None:
            _shared[_key(server.settings)] = server
        elif settings is not None:
            _shared.pop(_key(settings), None)


def running_sandbox_url(settings: SandboxSettings) -> str | None:
    """The URL of the sandbox already serving these settings, or None (never starts one)."""
    with _shared_lock:
        server = _shared.get(_key(settings))
    return server.url if server is not None else None


def ensure_sandbox(settings: Settings) -> str | None:
    """The sandbox URL if any provider is in sandbox mode (else None), starting it on first use.

    One server per process for each distinct [sandbox] section (latency, jitter, faults,
    port), so a test's settings always get the latency and faults they ask for.
    """
    if not settings.any_sandbox:
        return None
    key = _key(settings.sandbox)
    port = settings.sandbox.port
    if not 0 <= port <= 65535:
        raise ProviderError(
            f"Cannot start the provider sandbox: sandbox.port = {port} in "
            "config.toml is not a port (0-65535; 0 picks a free one)."
        )
    with _shared_lock:
        server = _shared.get(key)
        if server is None or server.url is None:
            server = SandboxServer(settings.sandbox)
            try:
                server.start()
            except (OSError, OverflowError, ValueError) as exc:
                why = getattr(exc, "strerror", None) or str(exc).rstrip(".")
                raise ProviderError(
                    f"Cannot start the provider sandbox on 127.0.0.1:"
                    f"{port}: {why} (set sandbox.port in config.toml to a free "
                    "port, or 0)."
                ) from None
            # No atexit stop: the server's thread is a daemon and ends with the process;
            # a graceful uvicorn shutdown would add ~0.2 s to every CLI exit.
            _shared[key] = server
        assert server.url is not None
        return server.url
