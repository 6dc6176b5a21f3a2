"""Sandbox OpenAI-compatible API: /v1/chat/completions and /v1/models, OpenAI's shapes.

As OpenAI answers: errors are ``{"error": {"message", "type", "param", "code"}}``; an
unknown model is 404 ``model_not_found``; reasoning models (o-series, gpt-5 family) refuse
``max_tokens`` (400 ``unsupported_parameter``: use ``max_completion_tokens``) and any
``temperature`` but the default 1 (400 ``unsupported_value``). ``stream`` answers server-sent
events ending in ``data: [DONE]``; ``n`` choices; ``response_format`` and ``tools`` as in
``openai_structured``. Answers are deterministic.
"""

from __future__ import annotations

import json
import re
from typing import Any

from clay_tui.sandbox import ai_drafter, data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.openai_structured import Refusal, structured, tool_calls
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key"}
CREATED = 1795132800
MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-3.5-turbo",
    "o1",
    "o1-mini",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
)
_REASONING = re.compile(r"^(o\d+(-|$)|gpt-5)")


def is_reasoning(model: str) -> bool:
    return bool(_REASONING.match(model.lower()))


def error(
    status: int,
    message: str,
    type_: str,
    code: str | None,
    headers: dict[str, str] | None = None,
    param: str | None = None,
) -> Response:
    return json_response(
        status,
        {"error": {"message": message, "type": type_, "param": param, "code": code}},
        headers,
    )


def authorized(req: Request) -> bool:
    auth = req.headers.get("authorization", "")
    return auth.startswith("Bearer ") and auth[7:].strip() in KEYS


def unauthorized() -> Response:
    return error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")


def not_found(req: Request) -> Response:
    return error(404, f"Invalid URL ({req.method} {req.path})", "invalid_request_error", None)


FAULTS = {
    "throttle_429": lambda ra: error(
        429,
        "Rate limit reached for requests.",
        "requests",
        "rate_limit_exceeded",
        {"retry-after": ra},
    ),
    "forbidden_403": lambda ra: error(
        403, "You are not allowed to use this model.", "permission_error", "model_not_allowed"
    ),
    "server_error_500": lambda ra: error(
        500, "The server had an error while processing your request.", "server_error", None
    ),
    "quota_exhausted": lambda ra: error(
        429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota"
    ),
}


def _refuse_parameters(model: str, body: dict[str, Any]) -> Response | None:
    if not is_reasoning(model):
        return None
    if "max_tokens" in body:
        return error(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this "
            "model. Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            "unsupported_parameter",
            param="max_tokens",
        )
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        return error(
            400,
            f"Unsupported value: 'temperature' does not support {temperature} "
            f"with this model. Only the default (1) value is supported.",
            "invalid_request_error",
            "unsupported_value",
            param="temperature",
        )
    return None


def chat_completions(req: Request, state: SandboxState) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        return error(
            400, "We could not parse the JSON body of your request.", "invalid_request_error", None
        )
    model = body.get("model")
    messages = body.get("messages")
    if not model or not isinstance(messages, list) or not messages:
        return error(
            400,
            "model and messages are required.",
            "invalid_request_error",
            None,
            param="model" if not model else "messages",
        )
    model = str(model)
    if model not in MODELS:
        return error(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        )
    refused = _refuse_parameters(model, body)
    if refused is not None:
        return refused
    prompt = "\n".join(
        str(m.get("content") or "")
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user"
    )
    system = "\n".join(
        str(m.get("content") or "")
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("system", "developer")
    )
    n = body.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= 8:
        return error(
            400,
            "n must be an integer from 1 to 8.",
            "invalid_request_error",
            "invalid_value",
            param="n",
        )
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    choices: list[dict[str, Any]] = []
    try:
        for i in range(n):
            choices.append(_choice(body, i, prompt, system, model, limit))
    except Refusal as bad:
        return error(400, bad.message, "invalid_request_error", "invalid_value", param=bad.param)
    completion_tokens = sum(c.pop("tokens") for c in choices)
    prompt_tokens = len((system + " " + prompt).split()) + 4 * len(messages)
    completion_id = f"chatcmpl-sandbox{data.h('id', model, prompt) % 16**10:010x}"
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if body.get("stream") is True:
        options = body.get("stream_options")
        with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        return _stream(completion_id, model, choices, usage if with_usage else None)
    return json_response(
        200,
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": choices,
            "usage": usage,
        },
    )


def _choice(
    body: dict[str, Any], i: int, prompt: str, system: str, model: str, limit: Any
) -> dict[str, Any]:
    """Choice ``i``: tool calls, JSON for response_format, or text cut at the token limit."""
    salt = model if i == 0 else f"{model}#{i}"
    calls = tool_calls(body, prompt, salt)
    if calls is not None:
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": calls}
        tokens = sum(len(c["function"]["arguments"].split()) for c in calls)
        return {"index": i, "message": message, "finish_reason": "tool_calls", "tokens": tokens}
    fmt = body.get("response_format")
    schema = fmt.get("json_schema") if isinstance(fmt, dict) else None
    name = schema.get("name") if isinstance(schema, dict) else None
    drafted = ai_drafter.answer(name, system, prompt) if isinstance(name, str) else None
    content = drafted if drafted is not None else structured(fmt, prompt, salt)
    if content is not None:  # JSON output: never cut by the token limit here
        message = {"role": "assistant", "content": content}
        return {
            "index": i,
            "message": message,
            "finish_reason": "stop",
            "tokens": len(content.split()),
        }
    words = data.chat_answer(prompt, salt).split()
    finish = "stop"
    if isinstance(limit, int) and 0 < limit < len(words):
        words, finish = words[:limit], "length"
    message = {"role": "assistant", "content": " ".join(words)}
    return {"index": i, "message": message, "finish_reason": finish, "tokens": len(words)}


def _stream(
    completion_id: str, model: str, choices: list[dict[str, Any]], usage: dict[str, int] | None
) -> Response:
    """Server-sent events as OpenAI streams them: a role delta, a content delta per word, a
    finish chunk per choice, the usage chunk if asked for, then ``data: [DONE]``."""
    head = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
    }
    events: list[dict[str, Any]] = []
    for c in choices:
        i = c["index"]
        events.append(
            {
                **head,
                "choices": [
                    {
                        "index": i,
                        "delta": {"role": "assistant", "content": ""},
                        "finish_reason": None,
                    }
                ],
            }
        )
        for k, call in enumerate(c["message"].get("tool_calls") or []):
            opened = {**call, "index": k, "function": {**call["function"], "arguments": ""}}
            args = {"index": k, "function": {"arguments": call["function"]["arguments"]}}
            for delta in ({"tool_calls": [opened]}, {"tool_calls": [args]}):
                events.append(
                    {**head, "choices": [{"index": i, "delta": delta, "finish_reason": None}]}
                )
        words = c["message"]["content"].split(" ") if c["message"]["content"] else []
        for k, word in enumerate(words):
            piece = word if k == 0 else " " + word
            events.append(
                {
                    **head,
                    "choices": [{"index": i, "delta": {"content": piece}, "finish_reason": None}],
                }
            )
        events.append(
            {**head, "choices": [{"index": i, "delta": {}, "finish_reason": c["finish_reason"]}]}
        )
    if usage is not None:
        events.append({**head, "choices": [], "usage": usage})
    body = "".join(f"data: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events)
    body += "data: [DONE]\n\n"
    return Response(
        200,
        body.encode("utf-8"),
        {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
    )


def models(req: Request, state: SandboxState) -> Response:
    """GET /v1/models (free): the models this key may use."""
    return json_response(
        200,
        {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": CREATED, "owned_by": "system"}
                for m in MODELS
            ],
        },
    )


ROUTES = {("POST", "/v1/chat/completions"): chat_completions, ("GET", "/v1/models"): models}
