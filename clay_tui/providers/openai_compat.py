"""AI prompt through any OpenAI-compatible chat completions API.

The same shape is served by OpenAI and by local servers (Ollama, llama.cpp,
vLLM); for a local server without a key set ``api_key_env = ""``.
"""

from __future__ import annotations

from typing import Any

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import QUOTA_IDS, ProviderClient, error_id_of, parse_json

CHAT = "chat"


async def complete(
    client: ProviderClient,
    *,
    prompt: str,
    model: str,
    max_tokens: int = 256,
    temperature: float = 0.0,
    system: str | None = None,
) -> ProviderResult:
    """POST /v1/chat/completions. data: text, usage, model, finish_reason."""
    if not prompt or not str(prompt).strip():
        return client.error(CHAT, "missing_input", "The prompt is empty.")
    messages: list[dict[str, str]] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": str(prompt)})
    payload: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": max_tokens,
                               "temperature": temperature}
    response = await client.request("POST", "/v1/chat/completions", action=CHAT, json=payload,
                                    paid_post=True)
    if isinstance(response, ProviderResult):
        return response
    body = parse_json(response)
    if not isinstance(body, dict):
        return client.malformed(CHAT)
    if response.status_code != 200 or "error" in body and body.get("error"):
        eid = error_id_of(body)
        if response.status_code == 401:
            return client.bad_key(CHAT, eid or "invalid_api_key", body)
        if eid in QUOTA_IDS:
            return client.out_of_quota(CHAT, eid or "insufficient_quota", body)
        return client.http_error(CHAT, response, body)
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return client.error(CHAT, "unexpected_answer", "The model answered without choices.",
                            raw=body)
    message = choices[0].get("message") if isinstance(choices[0].get("message"), dict) else {}
    text = message.get("content")
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    if not isinstance(text, str) or not text.strip():
        return client.result(Outcome.NO_DATA, CHAT, error_id="empty_answer",
                             message="The model gave an empty answer.", raw=body)
    out = {"text": text.strip(), "usage": usage, "model": body.get("model") or model,
           "finish_reason": choices[0].get("finish_reason")}
    return client.result(Outcome.FOUND, CHAT, out, billable=True, raw=body)
