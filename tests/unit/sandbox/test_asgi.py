"""The sandbox as one ASGI app: reached in-process by sandbox-mode clients, over sockets by
everyone else (uvicorn), with the same answers, faults, streamed bodies and start-up errors."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from clay_tui.config import SandboxSettings
from clay_tui.errors import ClayError
from clay_tui.providers import Outcome, Providers, hunter
from clay_tui.sandbox.http import Response
from clay_tui.sandbox.server import SandboxServer
from clay_tui.services.sandbox import in_process_transport, start_sandbox


async def test_sandbox_mode_clients_reach_it_without_sockets(sandbox_server, sandbox_settings):
    state = sandbox_server.router.state
    before, over_sockets = state.requests, sandbox_server.socket_requests
    async with Providers(sandbox_settings) as providers:  # the default path, as a run uses it
        client = providers.client("hunter")
        results = await asyncio.gather(
            *[hunter.verify_email(client, email=f"p{i}@gmail.com") for i in range(20)]
        )
    assert all(r.outcome is Outcome.FOUND for r in results)
    assert state.requests - before == 20  # the same app and state as the port serves ...
    assert sandbox_server.socket_requests == over_sockets  # ... but not one went over a socket
    with httpx.Client(base_url=sandbox_server.url) as http:  # while the port still serves
        assert http.get("/http/echo").status_code == 200
    # uvicorn counts a request once its answer is written, on its own thread: the client may
    # read the answer a moment before the count moves
    deadline = time.monotonic() + 5
    while sandbox_server.socket_requests == over_sockets and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sandbox_server.socket_requests == over_sockets + 1


def test_no_in_process_way_to_a_sandbox_of_another_process() -> None:
    assert in_process_transport("http://127.0.0.1:9") is None


@pytest.fixture
def server():
    with SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0)) as server:
        yield server


def _both_ways(server: SandboxServer, path: str) -> list[httpx.Response]:
    """The same GET over a socket (uvicorn) and in-process (ASGI transport)."""

    async def go() -> list[httpx.Response]:
        answers = []
        for transport in (None, in_process_transport(server.url)):
            async with httpx.AsyncClient(base_url=server.url, transport=transport) as http:
                answers.append(await http.get(path, timeout=5))
        return answers

    return asyncio.run(go())


def test_a_streamed_body_arrives_whole_both_ways(server) -> None:
    async def chunks():
        for part in (b'{"a":', b" 1, ", b'"b": 2}'):
            await asyncio.sleep(0)
            yield part

    server.router.handle = lambda req: Response(200, chunks(), {"Content-Type": "application/json"})
    for answer in _both_ways(server, "/openai/v1/models"):
        assert answer.status_code == 200 and answer.json() == {"a": 1, "b": 2}


def test_a_sandbox_bug_is_a_500_not_a_dead_server(server) -> None:
    def broken(req):
        raise KeyError("oops")

    server.router.handle = broken
    for answer in _both_ways(server, "/hunter/v2/account"):
        assert answer.status_code == 500 and answer.json()["message"] == "SANDBOX_BUG"


def test_latency_applies_both_ways() -> None:
    with SandboxServer(SandboxSettings(latency_ms=150, jitter_ms=0)) as server:
        start = time.monotonic()
        answers = _both_ways(server, "/http/echo/x%2Fy?q=1")
        assert time.monotonic() - start >= 0.29
    for answer in answers:  # the path as sent (still %-encoded), the query decoded
        assert answer.json()["path"] == "/http/echo/x%2Fy" and answer.json()["query"] == {"q": "1"}


def test_stop_ends_a_hanging_answer_and_frees_the_port() -> None:
    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    url = server.start()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url + "/http/echo", headers={"X-Sandbox-Latency-Ms": "60000"}, timeout=0.3)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 3
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/http/echo", timeout=1)


@pytest.mark.parametrize("port", ["taken", 70000])
def test_a_port_it_cannot_listen_on_is_one_sentence(server, port) -> None:
    port = server.port if port == "taken" else port
    with pytest.raises(ClayError, match=f"^Cannot start the sandbox on port {port}: .+\\.$"):
        start_sandbox(SandboxSettings(), port)


def test_stopping_during_a_hanging_answer_logs_no_traceback(caplog) -> None:
    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    url = server.start()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            url + "/hunter/v2/account",
            headers={"X-API-KEY": "sandbox-key", "X-Sandbox-Fault": "timeout"},
            timeout=0.3,
        )
    server.stop()
    assert "Traceback" not in caplog.text and "Exception in ASGI" not in caplog.text
