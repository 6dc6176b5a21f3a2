"""Sandbox OpenAI-compatible /v1/chat/completions with a deterministic short answer."""

from __future__ import annotations

from clay_tui.sandbox import data
from clay_tui.sandbox.http import Request, Response, json_response
from clay_tui.sandbox.state import SandboxState

KEYS = {"sandbox-key"}


def error(status: int, message: str, type_: str, code: str | None,
          headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"error": {"message": message, "type": type_, "code": code,
                                            "param": None}}, headers)


def authorized(req: Request) -> bool:
    auth = req.headers.get("authorization", "")
    return auth.startswith("Bearer ") and auth[7:].strip() in KEYS


def unauthorized() -> Response:
    return error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")


FAULTS = {
    "throttle_429": lambda ra: error(429, "Rate limit reached for requests.", "requests",
                                     "rate_limit_exceeded", {"retry-after": ra}),
    "forbidden_403": lambda ra: error(403, "You are not allowed to use this model.",
                                      "permission_error", "model_not_allowed"),
    "server_error_500": lambda ra: error(500, "The server had an error while processing your "
                                              "request.", "server_error", None),
    "quota_exhausted": lambda ra: error(429, "You exceeded your current quota.",
                                        "insufficient_quota", "insufficient_quota"),
}


def chat_completions(req: Request, state: SandboxState) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        return error(400, "We could not parse the JSON body of your request.",
                     "invalid_request_error", None)
    model = body.get("model")
    messages = body.get("messages")
    if not model or not isinstance(messages, list) or not messages:
        return error(400, "model and messages are required.", "invalid_request_error", None)
    prompt = "\n".join(str(m.get("content") or "") for m in messages
                       if isinstance(m, dict) and m.get("role") == "user")
    system = "\n".join(str(m.get("content") or "") for m in messages
                       if isinstance(m, dict) and m.get("role") == "system")
    answer = data.chat_answer(prompt, str(model))
    words = answer.split()
    max_tokens = body.get("max_tokens")
    finish = "stop"
    if isinstance(max_tokens, int) and 0 < max_tokens < len(words):
        words, finish = words[:max_tokens], "length"
    content = " ".join(words)
    prompt_tokens = len((system + " " + prompt).split()) + 4 * len(messages)
    return json_response(200, {
        "id": f"chatcmpl-sandbox{data.h('id', model, prompt) % 16**10:010x}",
        "object": "chat.completion",
        "created": 1795132800,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(words),
                  "total_tokens": prompt_tokens + len(words)},
    })


ROUTES = {("POST", "/v1/chat/completions"): chat_completions}
