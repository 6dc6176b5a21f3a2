"""AI prompt through any OpenAI-compatible chat completions API.

The same shape is served by OpenAI and by local servers (Ollama, llama.cpp, vLLM); for a
local server without a key set ``api_key_env = ""``. A base URL may be written with or
without its ``/v1``. Reasoning models (o-series, gpt-5 family) get ``max_completion_tokens``
and no ``temperature`` (they refuse ``max_tokens`` and any non-default temperature with 400
``unsupported_parameter``); an unknown model (404 ``model_not_found``) stops the provider
for the run with one sentence naming the model.
"""

from __future__ import annotations

import re
from typing import Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import (
    QUOTA_IDS,
    ProviderClient,
    display_name,
    error_id_of,
    parse_json,
)

CHAT = "chat"
MODELS = "models"
_REASONING = re.compile(r"^(o\d+(-|$)|gpt-5)")


def is_reasoning_model(model: str) -> bool:
    """o1, o3-mini, o4-mini, gpt-5, gpt-5-mini, ... (an ``org/`` prefix is ignored)."""
    return bool(_REASONING.match(model.rsplit("/", 1)[-1].strip().lower()))


def _path(client: ProviderClient, endpoint: str) -> str:
    """``/v1/<endpoint>``, or ``/<endpoint>`` when the base URL already ends in /v1."""
    return f"/{endpoint}" if client.base_url.rstrip("/").endswith("/v1") else f"/v1/{endpoint}"


def _failure(
    client: ProviderClient,
    action: str,
    status: int,
    body: dict[str, Any],
    model: str | None,
    response: Any,
) -> ProviderResult:
    eid = error_id_of(body)
    if status == 401:
        return client.bad_key(action, eid or "invalid_api_key", body)
    if eid in QUOTA_IDS:
        return client.out_of_quota(action, eid or "insufficient_quota", body)
    if eid == "model_not_found" and model:
        shown = model if len(model) <= 60 else model[:57] + "..."
        return client.error(
            action,
            eid,
            f'{display_name(client.name)} has no model "{shown}" that this '
            f"key can use; no more {display_name(client.name)} calls this run.",
            stop_provider=True,
            raw=body,
        )
    return client.http_error(action, response, body)


async def complete(
    client: ProviderClient,
    *,
    prompt: str,
    model: str,
    max_tokens: int = 256,
    temperature: float = 0.0,
    system: str | None = None,
    response_format: dict[str, Any] | None = None,
) -> ProviderResult:
    """POST /v1/chat/completions. data: text, usage, model, finish_reason. ``response_format``
    (json_object / json_schema) is passed through: the text is then the model's JSON."""
    if not prompt or not str(prompt).strip():
        return client.error(CHAT, "missing_input", "The prompt is empty.")
    messages: list[dict[str, str]] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": str(prompt)})
    payload: dict[str, Any] = {"model": model, "messages": messages}
    if is_reasoning_model(model):
        payload["max_completion_tokens"] = max_tokens  # no temperature: only the default
    else:
        payload.update(max_tokens=max_tokens, temperature=temperature)
    if response_format is not None:
        payload["response_format"] = response_format
    response = await client.request(
        "POST", _path(client, "chat/completions"), action=CHAT, json=payload, paid_post=True
    )
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    if not isinstance(body, dict):
        return client.malformed(CHAT)
    if response.status_code != 200 or "error" in body and body.get("error"):
        return _failure(client, CHAT, response.status_code, body, model, response)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return client.error(
            CHAT, "unexpected_answer", "The model answered without choices.", raw=body
        )
    message = choices[0].get("message") if isinstance(choices[0].get("message"), dict) else {}
    text = message.get("content")
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal.strip() and not (isinstance(text, str) and text):
        return client.result(  # structured outputs: the model declined the request
            Outcome.NO_DATA,
            CHAT,
            error_id="refusal",
            message=f"The model declined: {refusal.strip()[:200]}",
            raw=body,
        )
    if not isinstance(text, str) or not text.strip():
        return client.result(
            Outcome.NO_DATA,
            CHAT,
            error_id="empty_answer",
            message="The model gave an empty answer.",
            raw=body,
        )
    out = {
        "text": text.strip(),
        "usage": usage,
        "model": body.get("model") or model,
        "finish_reason": choices[0].get("finish_reason"),
    }
    return client.result(Outcome.FOUND, CHAT, out, billable=True, raw=body)


async def list_models(client: ProviderClient) -> ProviderResult:
    """GET /v1/models (free: the way to check a key). data: models (ids)."""
    response = await client.request("GET", _path(client, "models"), action=MODELS)
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    if not isinstance(body, dict):
        return client.malformed(MODELS)
    if response.status_code != 200 or body.get("error"):
        return _failure(client, MODELS, response.status_code, body, None, response)
    items = body.get("data")
    if not isinstance(items, list):
        return client.error(MODELS, "unexpected_answer", "The model list had no data.", raw=body)
    ids = [str(m.get("id")) for m in items if isinstance(m, dict) and m.get("id")]
    return client.result(Outcome.FOUND, MODELS, {"models": ids}, billable=False)
