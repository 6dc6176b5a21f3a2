"""Sandbox OpenAI: what the model "writes" when asked for JSON or a tool call.

``response_format`` json_object / json_schema and ``tools`` (function calling) as OpenAI
documents them: a json_schema answer is JSON that validates against the schema; a request
with tools is answered with ``tool_calls`` (finish_reason ``tool_calls``) whose arguments
validate against the function's ``parameters``, unless ``tool_choice`` is ``"none"`` or the
last message is a tool result (then the model answers in text). Everything is
deterministic per input. A malformed request raises ``Refusal`` (400 ``invalid_value``).
"""

from __future__ import annotations

import json
from typing import Any

from clay_tui.sandbox import data


class Refusal(Exception):
    """A 400 invalid_request_error about one parameter."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.message, self.param = message, param


def structured(fmt: Any, prompt: str, salt: str) -> str | None:
    """The content for ``response_format`` json_object / json_schema (None: plain text)."""
    if fmt is None or fmt == {"type": "text"}:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_object":
        return json.dumps({"answer": data.chat_answer(prompt, salt)})
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if isinstance(schema, dict):
            return json.dumps(fill(schema, prompt, salt, "$"))
    raise Refusal(
        "Invalid response_format: expected type text, json_object or json_schema with a schema.",
        "response_format",
    )


def fill(schema: dict[str, Any], prompt: str, salt: str, where: str) -> Any:
    """A deterministic value that satisfies ``schema`` (the subset structured outputs allow)."""
    x = data.h("schema", salt, prompt, where)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][x % len(schema["enum"])]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        return {
            k: fill(v if isinstance(v, dict) else {}, prompt, salt, f"{where}.{k}")
            for k, v in props.items()
        }
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return [fill(items, prompt, salt, f"{where}[{i}]") for i in range(1 + x % 3)]
    if kind == "boolean":
        return x % 2 == 0
    if kind == "integer":
        return int(schema.get("minimum", 0)) + x % 500
    if kind == "number":
        return round(float(schema.get("minimum", 0)) + (x % 1000) / 10, 1)
    if kind == "null":
        return None
    return data.chat_answer(f"{prompt} {where}", salt)


def _functions(tools: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(tools, list) or not tools:
        raise Refusal("Invalid 'tools': expected a non-empty array of tools.", "tools")
    out: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise Refusal(
                f"Invalid 'tools[{i}]': expected an object with type 'function'.", f"tools[{i}]"
            )
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise Refusal(f"Missing required parameter: 'tools[{i}].function.name'.", "tools")
        params = fn.get("parameters", {"type": "object", "properties": {}})
        out[name] = params if isinstance(params, dict) else {}
    return out


def tool_calls(body: dict[str, Any], prompt: str, salt: str) -> list[dict[str, Any]] | None:
    """The ``tool_calls`` of the answer, or None when the model answers in text."""
    if "tools" not in body:
        if body.get("tool_choice") not in (None, "none"):
            raise Refusal(
                "'tool_choice' is only allowed when 'tools' are specified.", "tool_choice"
            )
        return None
    functions = _functions(body["tools"])
    choice = body.get("tool_choice", "auto")
    messages = body.get("messages") or []
    last = messages[-1] if isinstance(messages[-1], dict) else {}
    if choice == "none" or (choice == "auto" and last.get("role") == "tool"):
        return None
    if isinstance(choice, dict):
        fn = choice.get("function") if choice.get("type") == "function" else None
        name = fn.get("name") if isinstance(fn, dict) else None
        if name not in functions:
            raise Refusal(
                "Invalid value for 'tool_choice': no function with that name in 'tools'.",
                "tool_choice",
            )
    elif choice in ("auto", "required"):
        name = next(iter(functions))
    else:
        raise Refusal(
            "Invalid value for 'tool_choice': expected none, auto, required or a function.",
            "tool_choice",
        )
    arguments = fill(functions[name], prompt, f"{salt}:{name}", "$")
    call_id = f"call_{data.h('call', salt, name, prompt) % 16**24:024x}"
    return [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
    ]
