"""OpenAI-compatible API as OpenAI serves it: reasoning models' parameters, OpenAI's error
body, 404 model_not_found stopping the provider, GET /v1/models, base URLs with /v1.

Error bodies as OpenAI sends them, e.g. (quoted in https://github.com/microsoft/clarity-agent/issues/59
and https://github.com/devnullvoid/dms-ai-assistant/issues/12):
{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model.
Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens",
"code": "unsupported_parameter"}}
"""

from __future__ import annotations

import json

import httpx
import pytest

from clay_tui.config import ProviderSettings
from clay_tui.providers import Outcome, openai_compat
from clay_tui.providers.client import ProviderClient

AUTH = {"Authorization": "Bearer sandbox-key"}
ERROR_KEYS = {"message", "type", "param", "code"}


def _chat(url: str, **body) -> httpx.Response:
    payload = {"messages": [{"role": "user", "content": "Say hi"}], **body}
    return httpx.post(f"{url}/openai/v1/chat/completions", json=payload, headers=AUTH, timeout=5)


@pytest.mark.parametrize("model", ["o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"])
def test_sandbox_reasoning_models_refuse_max_tokens(sandbox_url, model) -> None:
    answer = _chat(sandbox_url, model=model, max_tokens=10)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert set(error) == ERROR_KEYS
    assert error["code"] == "unsupported_parameter" and error["param"] == "max_tokens"
    assert error["type"] == "invalid_request_error" and "max_completion_tokens" in error["message"]


def test_sandbox_reasoning_models_refuse_a_non_default_temperature(sandbox_url) -> None:
    refused = _chat(sandbox_url, model="o3-mini", max_completion_tokens=10, temperature=0)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert set(error) == ERROR_KEYS and error["param"] == "temperature"
    assert error["code"] in ("unsupported_value", "unsupported_parameter")
    fine = _chat(sandbox_url, model="o3-mini", max_completion_tokens=10, temperature=1)
    assert fine.status_code == 200


def test_sandbox_other_models_take_both(sandbox_url) -> None:
    assert _chat(sandbox_url, model="gpt-4o-mini", max_tokens=5, temperature=0).status_code == 200
    assert _chat(sandbox_url, model="gpt-4o-mini", max_completion_tokens=5).status_code == 200


def test_sandbox_unknown_model_is_404_model_not_found(sandbox_url) -> None:
    answer = _chat(sandbox_url, model="gpt-9-turbo")
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert set(error) == ERROR_KEYS and error["code"] == "model_not_found"
    assert "gpt-9-turbo" in error["message"]


def test_sandbox_errors_have_openais_shape(sandbox_url) -> None:
    bad = httpx.post(
        f"{sandbox_url}/openai/v1/chat/completions", content=b"not json", headers=AUTH, timeout=5
    )
    unauthorized = httpx.get(
        f"{sandbox_url}/openai/v1/models", headers={"Authorization": "Bearer nope"}, timeout=5
    )
    for answer in (bad, unauthorized):
        assert set(answer.json()["error"]) == ERROR_KEYS


def test_sandbox_lists_models(sandbox_url) -> None:
    answer = httpx.get(f"{sandbox_url}/openai/v1/models", headers=AUTH, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "list"
    ids = {m["id"] for m in body["data"]}
    assert {"gpt-4o-mini", "o3-mini", "gpt-5"} <= ids
    assert all(m["object"] == "model" and "owned_by" in m for m in body["data"])


async def test_adapter_sends_reasoning_parameters(make_providers) -> None:
    client = make_providers().client("openai")
    for model in ("o3-mini", "gpt-5-mini"):
        result = await openai_compat.complete(client, prompt="Say hi", model=model, max_tokens=50)
        assert result.outcome is Outcome.FOUND, result.message


async def test_adapter_request_bodies() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "hi"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {},
            },
        )

    settings = ProviderSettings(
        name="openai", mode="live", base_url="https://api.openai.com", api_key_env=""
    )
    client = ProviderClient(
        settings, "https://api.openai.com", api_key="k", transport=httpx.MockTransport(handler)
    )
    await openai_compat.complete(client, prompt="x", model="o4-mini", max_tokens=50)
    await openai_compat.complete(client, prompt="x", model="gpt-4o-mini", max_tokens=50)
    reasoning, classic = seen
    assert reasoning["max_completion_tokens"] == 50
    assert "max_tokens" not in reasoning and "temperature" not in reasoning
    assert classic["max_tokens"] == 50 and classic["temperature"] == 0
    await client.aclose()


async def test_unknown_model_stops_the_provider_naming_the_model(make_providers) -> None:
    client = make_providers().client("openai")
    result = await openai_compat.complete(client, prompt="Say hi", model="gpt-9-turbo")
    assert result.outcome is Outcome.ERROR and result.stop_provider
    assert result.error_id == "model_not_found" and "gpt-9-turbo" in result.message
    assert result.message.count(".") <= 2 and "\n" not in result.message
    again = await openai_compat.complete(client, prompt="Say hi", model="gpt-9-turbo")
    assert again.stop_provider and client.calls == 1


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
async def test_base_url_with_or_without_v1(sandbox_url, suffix) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    settings = ProviderSettings(name="openai", mode="live", base_url="x", api_key_env="")
    client = ProviderClient(settings, f"{sandbox_url}/openai{suffix}", api_key="sandbox-key")
    client._http.event_hooks["request"].append(hook)
    result = await openai_compat.complete(client, prompt="Say hi", model="gpt-4o-mini")
    models = await openai_compat.list_models(client)
    assert result.outcome is Outcome.FOUND, result.message
    assert seen[0] == "/openai/v1/chat/completions" and "/v1/v1" not in "".join(seen)
    assert models.outcome is Outcome.FOUND and "gpt-4o-mini" in models.data["models"]
    assert not models.billable
    await client.aclose()


def test_sandbox_streams_server_sent_events(sandbox_url) -> None:
    answer = _chat(
        sandbox_url, model="gpt-4o-mini", stream=True, stream_options={"include_usage": True}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = [line[6:] for line in answer.text.split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    whole = _chat(sandbox_url, model="gpt-4o-mini").json()["choices"][0]["message"]["content"]
    assert text == whole
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "stop" and chunks[-1]["usage"]["total_tokens"] > 0


def test_sandbox_answers_n_choices(sandbox_url) -> None:
    body = _chat(sandbox_url, model="gpt-4o-mini", n=3).json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]


def test_the_official_openai_client_against_the_sandbox(sandbox_url) -> None:
    """The openai package pointed at the sandbox: completion, streaming, model list, errors."""
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(
        api_key="sandbox-key", base_url=f"{sandbox_url}/openai/v1", max_retries=0
    )
    done = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi"}], max_tokens=20
    )
    assert done.choices[0].message.content and done.usage.total_tokens > 0
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "Say hi"}]
        )
        if chunk.choices
    )
    assert streamed == done.choices[0].message.content or streamed.startswith(
        done.choices[0].message.content
    )
    assert "o3-mini" in {m.id for m in client.models.list()}
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(
            model="gpt-9-turbo", messages=[{"role": "user", "content": "hi"}]
        )
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="o3-mini", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
        )
    assert refused.value.code == "unsupported_parameter" and refused.value.param == "max_tokens"
    ok = client.chat.completions.create(
        model="o3-mini", max_completion_tokens=5, messages=[{"role": "user", "content": "hi"}]
    )
    assert ok.choices[0].finish_reason in ("stop", "length")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            api_key="nope", base_url=f"{sandbox_url}/openai/v1", max_retries=0
        ).models.list()


SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "qualify",
        "strict": True,
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["qualified", "reason", "segment", "employees", "score", "tags"],
            "properties": {
                "qualified": {"type": "boolean"},
                "reason": {"type": "string"},
                "segment": {"type": "string", "enum": ["SMB", "Mid-market", "Enterprise"]},
                "employees": {"type": "integer"},
                "score": {"type": "number"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


def test_sandbox_structured_output_follows_the_schema(sandbox_url) -> None:
    one = _chat(sandbox_url, model="gpt-4o-mini", response_format=SCHEMA).json()
    two = _chat(sandbox_url, model="gpt-4o-mini", response_format=SCHEMA).json()
    content = one["choices"][0]["message"]["content"]
    value = json.loads(content)
    assert content == two["choices"][0]["message"]["content"]  # deterministic
    assert set(value) == set(SCHEMA["json_schema"]["schema"]["required"])
    assert isinstance(value["qualified"], bool) and isinstance(value["reason"], str)
    assert value["segment"] in {"SMB", "Mid-market", "Enterprise"}
    assert isinstance(value["employees"], int) and isinstance(value["score"], (int, float))
    assert isinstance(value["tags"], list) and all(isinstance(t, str) for t in value["tags"])
    as_object = _chat(
        sandbox_url, model="gpt-4o-mini", response_format={"type": "json_object"}
    ).json()
    assert isinstance(json.loads(as_object["choices"][0]["message"]["content"]), dict)


async def test_adapter_passes_response_format(make_providers) -> None:
    client = make_providers().client("openai")
    result = await openai_compat.complete(
        client, prompt="Qualify Acme", model="gpt-4o-mini", response_format=SCHEMA
    )
    assert result.outcome is Outcome.FOUND
    assert isinstance(json.loads(result.data["text"])["qualified"], bool)


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "qualify_lead",
            "description": "Record whether a lead fits.",
            "parameters": {
                "type": "object",
                "properties": {
                    "qualified": {"type": "boolean"},
                    "segment": {"type": "string", "enum": ["SMB", "Mid-market", "Enterprise"]},
                },
                "required": ["qualified", "segment"],
                "additionalProperties": False,
            },
        },
    }
]


def test_the_official_client_reads_structured_outputs_and_tool_calls(sandbox_url) -> None:
    """Documented shapes: response_format json_schema content, and tools answered with
    message.tool_calls (content null, finish_reason tool_calls), also when streamed."""
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(
        api_key="sandbox-key", base_url=f"{sandbox_url}/openai/v1", max_retries=0
    )
    ask = [{"role": "user", "content": "Qualify Acme Corp"}]
    shaped = client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, response_format=SCHEMA
    )
    value = json.loads(shaped.choices[0].message.content)
    assert isinstance(value["qualified"], bool) and value["segment"] in {
        "SMB",
        "Mid-market",
        "Enterprise",
    }

    called = client.chat.completions.create(model="gpt-4o-mini", messages=ask, tools=TOOLS)
    choice = called.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "qualify_lead"
    args = json.loads(call.function.arguments)
    assert set(args) == {"qualified", "segment"} and isinstance(args["qualified"], bool)

    streamed_args, names = "", set()
    for chunk in client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, tools=TOOLS, stream=True
    ):
        for tc in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            names.add(tc.function.name) if tc.function.name else None
            streamed_args += tc.function.arguments or ""
    assert names == {"qualify_lead"} and json.loads(streamed_args) == args

    answered = client.chat.completions.create(
        model="gpt-4o-mini",
        tools=TOOLS,
        messages=[
            *ask,
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "recorded"},
        ],
    )
    assert answered.choices[0].finish_reason == "stop" and answered.choices[0].message.content
    none = client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, tools=TOOLS, tool_choice="none"
    )
    assert none.choices[0].message.tool_calls is None
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=ask,
            tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "no_such_tool"}},
        )
    assert bad.value.code == "invalid_value" and bad.value.param == "tool_choice"


async def test_adapter_reads_a_structured_output_refusal() -> None:
    """OpenAI's documented refusal: message.refusal set, content null; no data, not billed."""

    def handler(request: httpx.Request) -> httpx.Response:
        message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
        return httpx.Response(
            200,
            json={"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]},
        )

    settings = ProviderSettings(
        name="openai", mode="live", base_url="https://api.openai.com", api_key_env=""
    )
    client = ProviderClient(
        settings, "https://api.openai.com", api_key="k", transport=httpx.MockTransport(handler)
    )
    result = await openai_compat.complete(
        client, prompt="x", model="gpt-4o-mini", response_format=SCHEMA
    )
    assert result.outcome is Outcome.NO_DATA and not result.billable
    assert result.error_id == "refusal" and "can't help" in result.message
    await client.aclose()
