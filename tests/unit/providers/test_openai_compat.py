"""OpenAI-compatible chat completions against the sandbox."""

from __future__ import annotations

from clay_tui.providers import Outcome, openai_compat
from tests.unit.providers.conftest import assert_no_key, fault


async def test_answer_is_deterministic_with_usage(make_providers) -> None:
    client = make_providers().client("openai")
    prompt = "Is Acme Corp, a logistics company in Ohio, a good fit? Answer yes or no."
    one = await openai_compat.complete(client, prompt=prompt, model="gpt-4o-mini")
    two = await openai_compat.complete(
        client, prompt=prompt, model="gpt-4o-mini", system="Be brief."
    )
    assert one.outcome is Outcome.FOUND and one.billable and one.sandbox
    assert one.data["text"] in {"Yes", "No"} and one.data["text"] == two.data["text"]
    assert one.data["usage"]["total_tokens"] > 0 and one.data["model"] == "gpt-4o-mini"
    assert two.raw["usage"]["prompt_tokens"] > one.raw["usage"]["prompt_tokens"]
    assert_no_key(one)


async def test_max_tokens_cuts_the_answer(make_providers) -> None:
    result = await openai_compat.complete(
        make_providers().client("openai"),
        prompt="Describe the company Initech and its flagship products",
        model="gpt-4o-mini",
        max_tokens=2,
    )
    assert len(result.data["text"].split()) == 2 and result.data["finish_reason"] == "length"


async def test_empty_prompt_makes_no_call(make_providers) -> None:
    client = make_providers().client("openai")
    result = await openai_compat.complete(client, prompt="  ", model="gpt-4o-mini")
    assert result.error_id == "missing_input" and client.calls == 0


async def test_bad_key(make_providers) -> None:
    client = make_providers(headers={"Authorization": "Bearer sk-wrong"}).client("openai")
    result = await openai_compat.complete(client, prompt="hi there", model="gpt-4o-mini")
    assert result.error_id == "invalid_api_key" and result.stop_provider
    assert "OPENAI_API_KEY" in result.message and "sk-wrong" not in result.message


async def test_quota_stops_and_429_retries(make_providers) -> None:
    quota = make_providers(headers=fault("quota_exhausted")).client("openai")
    result = await openai_compat.complete(quota, prompt="hi there", model="gpt-4o-mini")
    assert result.error_id == "insufficient_quota" and result.stop_provider and quota.calls == 1
    headers = fault("throttle_429", times=1, fault_id="openai-429", retry_after="0.05")
    client = make_providers(headers=headers).client("openai")
    ok = await openai_compat.complete(client, prompt="hi there", model="gpt-4o-mini")
    assert ok.outcome is Outcome.FOUND and client.calls == 2


async def test_faults_map_to_errors(make_providers) -> None:
    client = make_providers(headers=fault("server_error_500"), max_retries=1).client("openai")
    err = await openai_compat.complete(client, prompt="hi there", model="gpt-4o-mini")
    assert err.outcome is Outcome.ERROR and err.error_id == "server_error" and client.calls == 2
    bad = await openai_compat.complete(
        make_providers(headers=fault("malformed_json")).client("openai"),
        prompt="hi there",
        model="gpt-4o-mini",
    )
    assert bad.error_id == "malformed_json"
    slow = make_providers(headers=fault("timeout"), timeout_s=0.2).client("openai")
    timed_out = await openai_compat.complete(slow, prompt="hi there", model="gpt-4o-mini")
    assert timed_out.unknown_outcome and slow.calls == 1


async def test_forbidden_is_not_retried(make_providers) -> None:
    client = make_providers(headers=fault("forbidden_403")).client("openai")
    result = await openai_compat.complete(client, prompt="hi there", model="gpt-4o-mini")
    assert result.outcome is Outcome.ERROR and result.error_id == "model_not_allowed"
    assert client.calls == 1 and not result.stop_provider
