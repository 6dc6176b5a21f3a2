"""Manifest providers held to their documentation's examples (tests/contracts/<provider>/).

Each fixture names the page it was read from, the documented request for some row inputs
and documented answers with the outcome each must give. The generic adapter must send
exactly that request (method, path, key where the docs put it, body or query) and read
each answer as the fixture says; the sandbox must answer the same request in a shape the
same manifest reads back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from clay_tui.config import ProviderSettings
from clay_tui.manifests import builtin_manifests, classify
from clay_tui.providers import Outcome, generic
from clay_tui.providers.client import ProviderClient

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
FIXTURES = sorted(
    p
    for name in ("findymail", "leadmagic", "zerobounce", "millionverifier")
    for p in (CONTRACTS / name).glob("*.json")
    if not json.loads(p.read_text(encoding="utf-8")).get("bulk")  # test_manifest_bulk.py's
)
KEY = "doc-test-key-123456"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _client(provider: str, answer: dict[str, Any], seen: list[httpx.Request]) -> ProviderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(answer["status"], json=answer["body"])

    m = builtin_manifests()[provider]
    settings = ProviderSettings(name=provider, mode="live", base_url=m.base_url, max_retries=0)
    return ProviderClient(settings, m.base_url, api_key=KEY, transport=httpx.MockTransport(handler))


def test_every_generic_builtin_has_a_contract_with_its_source() -> None:
    covered = {(f.parent.name, f.stem) for f in FIXTURES}
    for m in builtin_manifests().values():
        if m.adapter == "generic":
            for op in m.operations:
                assert (m.name, op) in covered, f"{m.name} {op} has no contract fixture"
    for f in FIXTURES:
        fx = _load(f)
        assert fx["source"].startswith("https://"), f


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}-{p.stem}")
async def test_the_adapter_sends_the_documented_request_and_reads_the_documented_answers(
    path: Path,
) -> None:
    fx = _load(path)
    want = fx["request"]
    for answer in fx["responses"]:
        seen: list[httpx.Request] = []
        client = _client(fx["provider"], answer, seen)
        try:
            res = await generic.call(client, fx["operation"], fx["inputs"])
        finally:
            await client.aclose()
        (request,) = seen
        assert request.method == want["method"]
        assert request.url.path == want["path"]
        auth = want["auth"]
        if "header" in auth:
            assert request.headers[auth["header"]] == auth["value"].format(key=KEY)
        else:
            assert request.url.params[auth["query"]] == KEY
        if "json" in want:
            assert json.loads(request.content) == want["json"]
        if "params" in want:
            got = {k: v for k, v in request.url.params.items() if k != auth.get("query")}
            assert got == want["params"]
        outcome = answer["outcome"]
        assert res.outcome is Outcome(outcome), (answer, res)
        assert res.stop_provider is bool(answer.get("stop_provider")), res
        for k, v in (answer.get("data") or {}).items():
            assert res.data.get(k) == v, (k, res.data)
        assert KEY not in json.dumps([res.message, res.raw, res.data])
        assert res.billable is (outcome in ("found", "invalid")), res


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}-{p.stem}")
async def test_the_sandbox_answers_the_documented_request(path: Path, sandbox_url: str) -> None:
    fx = _load(path)
    want = fx["request"]
    auth = want["auth"]
    headers, params = {}, dict(want.get("params") or {})
    if "header" in auth:
        headers[auth["header"]] = auth["value"].format(key="sandbox-key")
    else:
        params[auth["query"]] = "sandbox-key"
    url = f"{sandbox_url}/{fx['provider']}{want['path']}"
    async with httpx.AsyncClient() as http:
        ok = await http.request(
            want["method"], url, params=params, json=want.get("json"), headers=headers
        )
        bad = await http.request(
            want["method"],
            url,
            params={k: v for k, v in params.items() if k != auth.get("query")},
            json=want.get("json"),
        )
    assert ok.headers["content-type"].startswith("application/json")
    rules = builtin_manifests()[fx["provider"]].rules_for(fx["operation"])
    said = classify(rules, ok.status_code, ok.json())  # the manifest reads the answer back
    assert said is not None and said.outcome in ("found", "catch_all", "invalid", "no_data")
    refused = fx.get("bad_key", {"status": 401})  # a 401 unless the docs say otherwise
    assert bad.status_code == refused["status"]
    if "body" in refused:
        assert bad.json() == refused["body"]
        assert classify(rules, bad.status_code, bad.json()).outcome == "stop"
