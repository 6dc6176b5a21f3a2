"""The sandbox serves any manifest provider from its manifest: key, limits, answers, faults."""

from __future__ import annotations

import json

import pytest

from clay_tui.config import SandboxSettings
from clay_tui.manifests import builtin_manifests, classify, find_manifest, user_manifest_dir
from clay_tui.sandbox.http import Request
from clay_tui.sandbox.routes import Router

LIMITED = """
name = "slowfind"
base_url = "https://api.slow.test"
[auth]
style = "bearer"
[sandbox]
hit_rate = 50
[endpoints.email_finder]
method = "GET"
path = "/v1/find"
requires = [["first_name"], ["domain"]]
query = { first = "{{first_name}}", last = "{{last_name}}", domain = "{{domain}}" }
outputs = { email = "data.email" }
rate_per_second = 5
[[endpoints.email_finder.rules]]
status = 200
path = "data.email"
exists = true
outcome = "found"
[[endpoints.email_finder.rules]]
status = 200
path = "data.email"
exists = false
outcome = "no_data"
[[rules]]
status = 402
outcome = "stop"
"""


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Router:
    monkeypatch.setenv("CLAY_TUI_SANDBOX_RATE_LIMITS", "on")
    folder = user_manifest_dir()
    folder.mkdir(parents=True)
    (folder / "slowfind.toml").write_text(LIMITED, encoding="utf-8")
    return Router(SandboxSettings(latency_ms=0, jitter_ms=0), seed=1)


def _get(first: str, key: str = "sandbox-key", **headers: str) -> Request:
    return Request(
        "GET",
        "/slowfind/v1/find",
        {"first": first, "last": "Doe", "domain": "acme.com"},
        {"authorization": f"Bearer {key}", **headers},
    )


def _outcome(status: int, body: bytes, op: str = "email_finder", name: str = "slowfind") -> str:
    m = find_manifest(name)
    rule = classify(m.rules_for(op), status, json.loads(body))
    return rule.outcome if rule else "?"


def test_a_user_manifest_is_served_with_its_key_style_and_its_documented_limit(router) -> None:
    assert router.handle(_get("ann", key="wrong-key")).status == 401
    answers = [router.handle(_get(f"p{chr(97 + i)}")) for i in range(12)]  # a burst well over 5/s
    throttled = [a for a in answers if a.status == 429]
    served = [a for a in answers if a.status == 200]
    assert throttled and all(a.headers.get("Retry-After") for a in throttled)
    assert 4 <= len(served) <= 6  # a full bucket: about one second's worth
    assert {_outcome(a.status, a.body) for a in served} <= {"found", "no_data"}


def test_answers_are_deterministic_and_hit_at_the_manifest_rate(monkeypatch, router) -> None:
    monkeypatch.setattr(router, "enforce_limits", False)
    names = [f"p{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(200)]  # letters only
    first = [router.handle(_get(n)).body for n in names]
    again = [router.handle(_get(n)).body for n in names]
    assert first == again
    found = sum(_outcome(200, b) == "found" for b in first)
    assert 70 <= found <= 130  # hit_rate 50 over 200 people
    one = json.loads(next(b for b in first if _outcome(200, b) == "found"))
    assert one["data"]["email"].endswith("@acme.com")


def test_a_quota_fault_is_what_the_manifest_calls_stop(monkeypatch, router) -> None:
    monkeypatch.setattr(router, "enforce_limits", False)
    res = router.handle(_get("ann", **{"x-sandbox-fault": "quota_exhausted"}))
    assert _outcome(res.status, res.body) == "stop"
    res = router.handle(_get("ann", **{"x-sandbox-fault": "throttle_429"}))
    assert res.status == 429 and "Retry-After" in res.headers


def test_wrong_paths_and_methods(router) -> None:
    assert router.handle(Request("GET", "/slowfind/v2/nope", {}, {})).status == 404
    assert router.handle(Request("POST", "/slowfind/v1/find", {}, {})).status == 405
    assert router.handle(Request("GET", "/nosuchprovider/x", {}, {})).status == 404


@pytest.mark.parametrize("name", ["findymail", "leadmagic", "zerobounce", "millionverifier"])
def test_each_generic_builtin_is_served(name: str, router) -> None:
    m = builtin_manifests()[name]
    assert m.adapter == "generic"
    for ep in m.endpoints.values():
        res = router.handle(Request(ep.method, f"/{name}{ep.path}", {}, {}))
        if name == "zerobounce":  # a 200 with an error text, as ZeroBounce answers a wrong key
            said = classify(m.rules_for(ep.operation), res.status, json.loads(res.body))
            assert res.status == 200 and said is not None and said.outcome == "stop"
        else:
            assert res.status == 401
