"""A tiny loopback HTTP server that echoes back whatever key it was sent (a hostile provider).

Every answer is a 400 in both Hunter's and Prospeo's error shapes whose text repeats the
request's headers and query string: the key exactly, URL-encoded and inside a Python repr.
``/found`` paths answer 200 with the echo as data instead (an HTTP action's value);
``/redirect?to=URL`` answers 302 to URL; with ``redirect_to`` set, every request is
redirected there (path kept).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        sent = {k: v for k, v in self.headers.items()}
        self.server.seen.append({"path": self.path, "headers": sent, "body": body})  # type: ignore[attr-defined]
        target = None
        if self.path.startswith("/redirect?to="):
            target = unquote(self.path.split("=", 1)[1])
        elif self.server.redirect_to:  # type: ignore[attr-defined]
            target = self.server.redirect_to + self.path  # type: ignore[attr-defined]
        if target is not None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        keys = [v for k, v in sent.items() if k.lower() in ("x-api-key", "x-key", "authorization")]
        key = keys[0] if keys else ""
        text = (
            f"Invalid key {{'X-API-KEY': '{key}'}} (encoded {quote(key, safe='')}, "
            f"path {self.path}, body {body})"
        )
        if self.path.startswith("/found"):
            status, payload = 200, {"value": text, "headers": sent}
        else:
            status = 400
            payload = {
                "error": True,
                "error_code": "INVALID_DATAPOINTS",
                "message": text,
                "errors": [{"id": "wrong_params", "code": 400, "details": text}],
            }
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer


class EchoServer:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.httpd.redirect_to = None  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def seen(self) -> list[dict]:
        return self.httpd.seen  # type: ignore[attr-defined]

    def redirect_all(self, url: str | None) -> None:
        self.httpd.redirect_to = url  # type: ignore[attr-defined]

    def __enter__(self) -> EchoServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
