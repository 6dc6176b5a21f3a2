"""A lean HTTP/1.1 keep-alive transport for plain-http loopback servers (the sandbox).

httpx's default transport (httpcore) costs about 1.5 ms of CPU per request,
which caps a run against the zero-latency sandbox near 600 calls/s. This
transport speaks the same HTTP over real sockets with a fraction of the work,
and maps failures to the same httpx exceptions (ConnectError, ReadTimeout, ...),
so the client's retry and timeout logic is unchanged. Live (https) providers
keep httpx's default transport.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import httpx

_Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Plain-http only; one request per connection at a time; idle connections are reused."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[_Conn]] = defaultdict(list)
        self._closed = False

    async def _connect(self, host: str, port: int, timeout: float | None) -> _Conn:
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.open_connection(host, port)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"Connecting to {host}:{port} timed out.") from None
        except OSError as exc:
            raise httpx.ConnectError(f"Cannot connect to {host}:{port}: {exc}") from None

    def _take_idle(self, key: tuple[str, int]) -> _Conn | None:
        pool = self._idle.get(key)
        while pool:
            reader, writer = pool.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol("LoopbackTransport only speaks plain http.")
        timeouts = request.extensions.get("timeout", {})
        host = request.url.host
        port = request.url.port or 80
        key = (host, port)
        body = await request.aread()
        head = [f"{request.method} {request.url.raw_path.decode('ascii')} HTTP/1.1"]
        names = {k.lower() for k, _ in request.headers.raw}
        if b"host" not in names:
            head.append(f"Host: {host}:{port}")
        for name, value in request.headers.raw:
            head.append(f"{name.decode('latin-1')}: {value.decode('latin-1')}")
        if body and b"content-length" not in names:
            head.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body

        conn = self._take_idle(key)
        if conn is None:
            conn = await self._connect(host, port, timeouts.get("connect"))
        reader, writer = conn
        try:
            try:
                writer.write(payload)
                async with asyncio.timeout(timeouts.get("write")):
                    await writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("Sending the request timed out.") from None
            try:
                async with asyncio.timeout(timeouts.get("read")):
                    status, headers, content, keep = await _read_response(reader)
            except TimeoutError:
                raise httpx.ReadTimeout("The server did not answer in time.") from None
        except httpx.TransportError:
            writer.close()
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            writer.close()
            raise httpx.RemoteProtocolError(f"The connection broke: {exc!r}") from None
        except BaseException:  # cancelled mid-request: the connection state is unknown
            writer.close()
            raise
        if keep and not self._closed:
            self._idle[key].append((reader, writer))
        else:
            writer.close()
        return httpx.Response(
            status, headers=headers, content=content, extensions={"http_version": b"HTTP/1.1"}
        )

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._idle.values():
            for _, writer in pool:
                writer.close()
        self._idle.clear()


async def _read_response(
    reader: asyncio.StreamReader,
) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"not an HTTP status line: {lines[0]!r}")
    status = int(parts[1])
    headers: list[tuple[str, str]] = []
    length: int | None = None
    chunked = False
    keep = parts[0] == "HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        low = name.lower()
        if low == "content-length":
            length = int(value)
            continue  # httpx recomputes it for the decoded content
        if low == "transfer-encoding":
            chunked = "chunked" in value.lower()
            continue
        if low == "connection":
            keep = value.lower() != "close" and (keep or value.lower() == "keep-alive")
        headers.append((name, value))
    if chunked:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        content = b"".join(chunks)
    elif length is not None:
        content = await reader.readexactly(length) if length else b""
    elif status in (204, 304) or 100 <= status < 200:
        content = b""
    else:
        content = await reader.read()
        keep = False
    return status, headers, content, keep
