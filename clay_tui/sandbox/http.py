"""The sandbox's request/response values (no I/O): what routes take and return.

``asgi.py`` turns an ASGI request into a ``Request`` and a ``Response`` into ASGI messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lowercase names
    body: bytes = b""

    def json(self) -> Any | None:
        """The decoded JSON body, or None if it is missing or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class Response:
    status: int
    body: bytes  # or an iterable / async iterable of bytes chunks: sent streamed
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # the "timeout" fault: never answer (until the client gives up)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})
