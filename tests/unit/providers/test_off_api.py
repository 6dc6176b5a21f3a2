"""An endpoint that answers HTML or 404 (a moved API, a wrong base_url) stops the provider
after a few calls in a row with one sentence, instead of "not valid JSON" on every row."""

from __future__ import annotations

import httpx
import pytest

from clay_tui.config import ProviderSettings
from clay_tui.providers import Outcome, hunter, openai_compat, prospeo
from clay_tui.providers.client import OFF_API_LIMIT, ProviderClient

HTML = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"


def _client(name: str, answers: list[httpx.Response], seen: list[httpx.Request]) -> ProviderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    settings = ProviderSettings(
        name=name, mode="live", base_url="https://api.example.com", api_key_env="", max_retries=0
    )
    return ProviderClient(
        settings, "https://api.example.com", api_key="k", transport=httpx.MockTransport(handler)
    )


CALLS = {
    "hunter": lambda c, i: hunter.find_email(
        c, first_name="A", last_name=f"B{i}", domain="acme.com"
    ),
    "prospeo": lambda c, i: prospeo.find_email(
        c, first_name="A", last_name=f"B{i}", company="acme.com"
    ),
    "openai": lambda c, i: openai_compat.complete(c, prompt=f"row {i}", model="gpt-4o-mini"),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404, content=HTML, headers={"Content-Type": "text/html"}),
        httpx.Response(200, content=HTML, headers={"Content-Type": "text/html"}),
        httpx.Response(404, json={"error": True, "message": "NOT_FOUND"}),
    ],
    ids=["html404", "html200", "json404"],
)
async def test_a_moved_endpoint_stops_the_provider(name, answer) -> None:
    seen: list[httpx.Request] = []
    client = _client(name, [answer], seen)
    results = [await CALLS[name](client, i) for i in range(10)]
    assert len(seen) == OFF_API_LIMIT == 3
    assert all(r.outcome is Outcome.ERROR for r in results)
    stop = results[OFF_API_LIMIT - 1]
    assert stop.stop_provider and stop.error_id == "not_the_api"
    assert "api.example.com" in stop.message and "\n" not in stop.message
    assert all(r.stop_provider and r.message == stop.message for r in results[OFF_API_LIMIT:])
    await client.aclose()


async def test_a_good_answer_in_between_resets_the_count() -> None:
    seen: list[httpx.Request] = []
    html = httpx.Response(404, content=HTML, headers={"Content-Type": "text/html"})
    good = httpx.Response(200, json={"data": {"email": None}})
    client = _client("hunter", [html, html, good, html, html, good], seen)
    results = [await CALLS["hunter"](client, i) for i in range(6)]
    assert len(seen) == 6 and not any(r.stop_provider for r in results)
    await client.aclose()


async def test_model_not_found_is_not_a_moved_endpoint() -> None:
    seen: list[httpx.Request] = []
    gone = httpx.Response(
        404,
        json={
            "error": {
                "message": "The model `x` does not exist",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    )
    client = _client("openai", [gone], seen)
    result = await openai_compat.complete(client, prompt="hi", model="x")
    assert result.error_id == "model_not_found" and result.stop_provider and len(seen) == 1
    await client.aclose()


async def test_a_run_against_a_moved_endpoint_makes_a_few_calls_not_one_per_row(
    tmp_path, clock, sandbox_server, monkeypatch
) -> None:
    from clay_tui.config import parse_settings
    from clay_tui.enrich.spec import ColumnSpec
    from clay_tui.services import enrich, tables
    from clay_tui.workspace import Workspace
    from tests.conftest import SAMPLE_LEADS, sandbox_raw_config

    raw = sandbox_raw_config()
    raw["providers"]["hunter"].update(
        mode="live",
        base_url=sandbox_server.url + "/moved",
        api_key_env="HUNTER_API_KEY",
        concurrency=1,
    )
    monkeypatch.setenv("HUNTER_API_KEY", "sandbox-key")
    ws = Workspace.open(parse_settings(raw, "<test>", tmp_path / "ws"), clock)
    try:
        table = tables.import_table(ws, SAMPLE_LEADS, name="leads")
        enrich.add_column(
            ws,
            table,
            ColumnSpec(
                name="E",
                action="find_work_email",
                providers=["hunter"],
                validation="none",
                inputs={
                    "first_name": "first_name",
                    "last_name": "last_name",
                    "domain": "company_domain",
                    "company": "company",
                },
            ),
        )
        before = sandbox_server.router.state.requests
        summary = await enrich.run_column(ws, table, "E", enrich.RowSelection("first", limit=12))
        assert sandbox_server.router.state.requests - before == OFF_API_LIMIT
        assert summary.counts.get("error") == 12 and summary.credits == 0
    finally:
        ws.close()


async def test_the_stop_sentence_never_shows_credentials_in_the_base_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=HTML, headers={"Content-Type": "text/html"})

    settings = ProviderSettings(
        name="hunter", mode="live", base_url="x", api_key_env="", max_retries=0
    )
    client = ProviderClient(
        settings,
        "https://user:s3cret@api.example.com",
        api_key="k",
        transport=httpx.MockTransport(handler),
    )
    results = [await CALLS["hunter"](client, i) for i in range(OFF_API_LIMIT)]
    assert results[-1].stop_provider and "s3cret" not in results[-1].message
    assert "api.example.com" in results[-1].message
    await client.aclose()


async def test_garbled_json_is_a_fault_of_the_call_not_a_moved_endpoint() -> None:
    """A 200 that says it is JSON but is garbled (a flaky server, the sandbox's
    malformed_json fault) fails that row, which a re-run of failed rows retries; stopping the
    provider for it made a waterfall pass over it, so a faulty run ended with other providers'
    results than a fault-free one (the money fault suite caught it)."""
    seen: list[httpx.Request] = []
    garbled = httpx.Response(
        200, content=b'{"data": {"email": ', headers={"Content-Type": "application/json"}
    )
    client = _client("hunter", [garbled], seen)
    results = [await CALLS["hunter"](client, i) for i in range(6)]
    assert len(seen) == 6
    assert all(r.outcome is Outcome.ERROR and not r.stop_provider for r in results)
    await client.aclose()
