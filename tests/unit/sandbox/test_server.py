"""The sandbox server over real sockets: HTTP/1.1 keep-alive, routes, keys, faults, latency."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from clay_tui.config import SandboxSettings, parse_settings
from clay_tui.providers import Outcome, Providers, hunter
from clay_tui.sandbox.server import SandboxServer, ensure_sandbox
from tests.conftest import sandbox_raw_config

REPO = Path(__file__).resolve().parents[3]


def _raw(url: str, *requests: bytes) -> list[bytes]:
    """Send raw requests on ONE connection; the answers in order."""

    async def go() -> list[bytes]:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        answers = []
        for request in requests:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            answers.append(head + await reader.readexactly(length))
        writer.close()
        return answers

    return asyncio.run(go())


def test_keep_alive_serves_many_requests_on_one_connection(sandbox_url) -> None:
    get = (
        b"GET /hunter/v2/email-verifier?email=jane%40gmail.com HTTP/1.1\r\nHost: x\r\n"
        b"X-API-KEY: sandbox-key\r\n\r\n"
    )
    body = b'{"data": {"first_name": "Jane", "last_name": "Doe", "company_website": "acme.com"}}'
    post = (
        b"POST /prospeo/enrich-person HTTP/1.1\r\nHost: x\r\nX-KEY: sandbox-key\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    answers = _raw(sandbox_url, get, post, get)
    assert all(a.startswith(b"HTTP/1.1 ") for a in answers)
    assert b"connection: close" not in answers[0].lower()  # HTTP/1.1: kept open by default
    assert json.loads(answers[0].split(b"\r\n\r\n", 1)[1])["data"]["status"] == "webmail"
    assert answers[0] == answers[2]  # deterministic
    assert b'"error":' in answers[1]


def test_routes_methods_and_key_shapes(sandbox_url) -> None:
    with httpx.Client(base_url=sandbox_url) as http:
        assert http.get("/nowhere").status_code == 404
        assert http.get("/prospeo/enrich-person").status_code == 405
        assert http.post("/prospeo/email-finder", json={}).status_code == 404  # legacy: gone
        hunter_401 = http.get(
            "/hunter/v2/email-finder",
            params={"domain": "a.com", "full_name": "A B", "api_key": "x"},
        )
        prospeo_401 = http.post("/prospeo/account-information", headers={"X-KEY": "x"})
        enrich_401 = http.post("/prospeo/enrich-person", json={}, headers={"X-KEY": "x"})
        openai_401 = http.post(
            "/openai/v1/chat/completions", json={}, headers={"Authorization": "Bearer x"}
        )
        test_key = http.get(
            "/hunter/v2/email-finder",
            params={"domain": "a.com", "full_name": "A B", "api_key": "test-api-key"},
        )
    assert hunter_401.status_code == 401
    assert hunter_401.json()["errors"][0]["id"] == "authentication_failed"
    assert prospeo_401.status_code == 401 and prospeo_401.json()["error_code"] == "INVALID_API_KEY"
    assert enrich_401.json()["error_code"] == "INVALID_API_KEY"
    assert openai_401.json()["error"]["code"] == "invalid_api_key"
    assert test_key.status_code == 200 and "api_key" not in test_key.json()["meta"]["params"]


def test_faults_in_each_providers_shape(sandbox_url) -> None:
    with httpx.Client(base_url=sandbox_url) as http:

        def hunter_get(name: str) -> httpx.Response:
            return http.get(
                "/hunter/v2/email-finder",
                params={"domain": "a.com", "full_name": "A B"},
                headers={
                    "X-API-KEY": "sandbox-key",
                    "X-Sandbox-Fault": name,
                    "X-Sandbox-Retry-After": "3",
                },
            )

        throttle = hunter_get("throttle_429")
        quota = hunter_get("quota_exhausted")
        forbidden = hunter_get("forbidden_403")
        malformed = hunter_get("malformed_json")
        prospeo_quota = http.post(
            "/prospeo/enrich-person",
            json={},
            headers={"X-KEY": "sandbox-key", "X-Sandbox-Fault": "quota_exhausted"},
        )
        openai_500 = http.post(
            "/openai/v1/chat/completions",
            json={},
            headers={"Authorization": "Bearer sandbox-key", "X-Sandbox-Fault": "server_error_500"},
        )
    assert throttle.status_code == 429 and throttle.headers["Retry-After"] == "3"
    assert quota.status_code == 429 and quota.json()["errors"][0]["id"] == "usage_limit"
    assert forbidden.status_code == 403
    with pytest.raises(ValueError):
        malformed.json()
    assert prospeo_quota.status_code == 400
    assert prospeo_quota.json() == {"error": True, "error_code": "INSUFFICIENT_CREDITS"}
    assert openai_500.status_code == 500 and openai_500.json()["error"]["type"] == "server_error"


def test_configured_fault_rates_and_latency(tmp_path) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"] = {
        "latency_ms": 300,
        "jitter_ms": 0,
        "faults": {"hunter": {"throttle_429": 1.0}},
    }
    settings = parse_settings(raw, "<test>", tmp_path)
    with SandboxServer(settings.sandbox) as server, httpx.Client(base_url=server.url) as http:
        start = time.monotonic()
        throttled = http.get(
            "/hunter/v2/email-verifier",
            params={"email": "a@b.com"},
            headers={"X-API-KEY": "sandbox-key"},
        )
        slow = time.monotonic() - start
        fast_start = time.monotonic()
        fine = http.post(
            "/prospeo/enrich-person",
            json={"enrich_mobile": True, "data": {"linkedin_url": "linkedin.com/in/a-b"}},
            headers={"X-KEY": "sandbox-key", "X-Sandbox-Latency-Ms": "0"},
        )
        fast = time.monotonic() - fast_start
    assert throttled.status_code == 429 and fine.status_code in (200, 400)
    assert slow >= 0.29 and fast < 0.2


def test_many_slow_calls_run_concurrently(tmp_path) -> None:
    settings = parse_settings(sandbox_raw_config(concurrency=50), "<test>", tmp_path)
    with SandboxServer(SandboxSettings(latency_ms=200, jitter_ms=0)) as server:

        async def go() -> float:
            async with Providers(settings, sandbox_url=server.url) as providers:
                client = providers.client("hunter")
                start = time.monotonic()
                results = await asyncio.gather(
                    *[hunter.verify_email(client, email=f"p{i}@gmail.com") for i in range(50)]
                )
                assert all(r.outcome is Outcome.FOUND for r in results)
                return time.monotonic() - start

        assert asyncio.run(go()) < 1.5  # 50 x 200 ms overlapped, not serialized (10 s)


def test_ensure_sandbox_once_per_process(sandbox_settings, sandbox_url, tmp_path) -> None:
    assert ensure_sandbox(sandbox_settings) == sandbox_url
    assert ensure_sandbox(sandbox_settings) == sandbox_url
    raw = sandbox_raw_config(mode="live")
    assert ensure_sandbox(parse_settings(raw, "<test>", tmp_path)) is None


def test_stop_frees_the_port() -> None:
    server = SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0))
    url = server.start()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/http/echo", timeout=1)


def test_cli_serves_until_interrupted(tmp_path) -> None:
    env = {**os.environ, "CLAY_TUI_WORKSPACE": str(tmp_path / "ws")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from clay_tui.cli.main import main; main()",
            "sandbox",
            "--port",
            "0",
            "--latency-ms",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Sandbox listening on http://127.0.0.1:")
        url = line.split()[3]
        answer = httpx.post(
            url + "/openai/v1/chat/completions",
            timeout=5,
            headers={"Authorization": "Bearer sandbox-key"},
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert answer.status_code == 200 and answer.json()["object"] == "chat.completion"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_busy_port_is_one_clear_error(tmp_path) -> None:
    from clay_tui.errors import ProviderError

    with SandboxServer(SandboxSettings(latency_ms=0, jitter_ms=0)) as busy:
        raw = sandbox_raw_config()
        raw["sandbox"] = {"port": busy.port}
        settings = parse_settings(raw, "<test>", tmp_path)
        with pytest.raises(ProviderError, match="Cannot start the provider sandbox"):
            ensure_sandbox(settings)


def test_each_sandbox_section_gets_its_own_server(sandbox_url, tmp_path) -> None:
    raw = sandbox_raw_config()
    raw["sandbox"] = {"latency_ms": 250, "jitter_ms": 0}
    slow = parse_settings(raw, "<test>", tmp_path)
    url = ensure_sandbox(slow)
    assert url != sandbox_url and ensure_sandbox(slow) == url
    start = time.monotonic()
    httpx.get(url + "/http/echo", timeout=2)
    assert time.monotonic() - start >= 0.24
