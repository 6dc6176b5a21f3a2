"""The sandbox as one ASGI app (Starlette): the edge between ASGI and the Router.

The handlers keep their plain interface (``Request -> Response`` from ``http.py``, routes in
``routes.py``); this adapter turns an ASGI request into a ``Request`` and the ``Response`` into
ASGI send calls, after the simulated latency (an ``asyncio.sleep``, so slow providers cost no
threads). ``Response.hang`` (the "timeout" fault) never answers until the client gives up.

The same app is served over sockets by uvicorn (``server.SandboxServer``) and reached
in-process, without sockets, by sandbox-mode clients (``httpx.ASGITransport``, see
``services.sandbox``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterable, Iterable

from starlette.applications import Starlette
from starlette.requests import Request as AsgiRequest
from starlette.responses import Response as AsgiResponse
from starlette.responses import StreamingResponse
from starlette.routing import Route

from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.routes import Router

HANG_S = 3600.0  # the "timeout" fault: longer than any client timeout
MAX_BODY = 4 * 1024 * 1024
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def sandbox_app(router: Router) -> Starlette:
    """The Starlette app answering every path through ``router``."""
    # The router is shared by uvicorn's thread and in-process callers on other threads and
    # loops: one request at a time inside it (it is synchronous and quick; latency is not).
    lock = threading.Lock()

    async def endpoint(request: AsgiRequest) -> AsgiResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return _send(json_response(413, {"error": True, "message": "BODY_TOO_LARGE"}))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw}
        scope = request.scope
        raw_path = scope.get("raw_path")  # as sent, still %-encoded (as the handlers expect)
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        req = Request(scope["method"], path, dict(request.query_params), headers, body)
        with lock:
            delay = router.latency_s(req)
            try:
                response = router.handle(req)
            except Exception as exc:  # a sandbox bug answers 500, never kills the server
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
        return _send(response)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])


def _send(response: Response) -> AsgiResponse:
    body = response.body
    if isinstance(body, bytes | bytearray):
        return AsgiResponse(bytes(body), response.status, response.headers)
    # A streamed body (an iterable or async iterable of bytes chunks).
    chunks: Iterable[bytes] | AsyncIterable[bytes] = body
    return StreamingResponse(chunks, response.status, response.headers)
