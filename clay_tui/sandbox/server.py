"""The sandbox HTTP server: asyncio on its own thread and loop, HTTP/1.1 keep-alive.

A small hand-rolled HTTP/1.1 protocol (not http.server) because the engine
benchmark needs thousands of requests per second in the same process; latency
is an ``asyncio.sleep``, so slow simulated providers cost no threads.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from urllib.parse import parse_qsl, urlsplit

from clay_tui.config import SandboxSettings, Settings
from clay_tui.errors import ProviderError
from clay_tui.sandbox.http import Request, encode, json_response
from clay_tui.sandbox.routes import Router

MAX_HEADER = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
HANG_S = 3600.0  # the "timeout" fault: longer than any client timeout


class _Connection(asyncio.Protocol):
    """One keep-alive connection; requests are answered in order by one worker task."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.buffer = bytearray()
        self.queue: asyncio.Queue[tuple[Request, bool] | None] = asyncio.Queue()
        self.transport: asyncio.Transport | None = None
        self.worker: asyncio.Task[None] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.worker = asyncio.get_running_loop().create_task(self._work())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.worker is not None:
            self.worker.cancel()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.closed:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEADER:
                    self._fail(431)
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            lines = head.split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._fail(400)
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._fail(411)
                return
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                self._fail(400)
                return
            if length > MAX_BODY:
                self._fail(413)
                return
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            parts = urlsplit(target)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            conn = headers.get("connection", "").lower()
            keep = conn != "close" and (version.strip() == "HTTP/1.1" or conn == "keep-alive")
            self.queue.put_nowait((Request(method.upper(), parts.path, query, headers, body), keep))

    def _fail(self, status: int) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(encode(json_response(status, {"error": True}), False))
            self.transport.close()
        self.closed = True

    async def _work(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None or self.transport is None:
                return
            req, keep = item
            delay = self.router.latency_s(req)
            try:
                response = self.router.handle(req)
            except Exception as exc:  # a sandbox bug must not kill the connection silently
                response = json_response(
                    500,
                    {
                        "error": True,
                        "message": "SANDBOX_BUG",
                        "details": f"{type(exc).__name__}: {exc}",
                    },
                )
            if response.hang:
                delay = HANG_S
            if delay > 0:
                await asyncio.sleep(delay)
            if self.closed:
                return
            self.transport.write(encode(response, keep))
            if not keep:
                self.transport.close()
                return


class SandboxServer:
    """The sandbox on 127.0.0.1 (ephemeral port by default), served from a background thread."""

    def __init__(
        self, settings: SandboxSettings, *, host: str = "127.0.0.1", port: int | None = None
    ) -> None:
        self.settings = settings
        self.host = host
        self.port = settings.port if port is None else port
        self.router = Router(settings)
        self.url: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> str:
        """Start serving; returns the base URL ``http://127.0.0.1:PORT``."""
        if self.url is not None:
            return self.url
        self._thread = threading.Thread(target=self._run, name="clay-tui-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("the sandbox did not start within 10 s")
        if self._error is not None:
            raise self._error
        assert self.url is not None
        return self.url

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                loop.create_server(
                    lambda: _Connection(self.router), self.host, self.port, backlog=1024
                )
            )
        except BaseException as exc:  # port in use: reported by start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None
        self.url = None

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
            except (OSError, OverflowError, ValueError, TimeoutError) as exc:
                why = getattr(exc, "strerror", None) or str(exc).rstrip(".")
                raise ProviderError(
                    f"Cannot start the provider sandbox on 127.0.0.1:"
                    f"{port}: {why} (set sandbox.port in config.toml to a free "
                    "port, or 0)."
                ) from None
            atexit.register(server.stop)
            _shared[key] = server
        assert server.url is not None
        return server.url
