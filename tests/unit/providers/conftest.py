"""Helpers for the provider tests: Providers against the session sandbox with small knobs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from clay_tui.config import Settings, parse_settings
from clay_tui.providers import ProviderResult, Providers
from clay_tui.sandbox import data
from tests.conftest import sandbox_raw_config

MakeProviders = Callable[..., Providers]


@pytest.fixture
async def make_providers(tmp_path: Path, sandbox_url: str) -> AsyncIterator[MakeProviders]:
    """make_providers(headers=..., timeout_s=..., max_retries=..., loopback=..., **provider) ."""
    made: list[Providers] = []

    def make(
        *,
        headers: dict[str, str] | None = None,
        loopback: bool = True,
        url: str | None = None,
        max_wait_s: float = 5.0,
        **provider: Any,
    ) -> Providers:
        settings: Settings = parse_settings(
            sandbox_raw_config(**provider), "<test>", tmp_path / "ws"
        )
        providers = Providers(
            settings,
            sandbox_url=url or sandbox_url,
            loopback=loopback,
            backoff_s=0.01,
            max_backoff_s=0.05,
            max_wait_s=max_wait_s,
            headers=headers or {},
        )
        made.append(providers)
        return providers

    yield make
    for providers in made:
        await providers.aclose()


def fault(
    name: str,
    *,
    times: int | None = None,
    fault_id: str | None = None,
    retry_after: str | None = None,
) -> dict[str, str]:
    """Request headers that make the sandbox answer with ``name``."""
    headers = {"X-Sandbox-Fault": name}
    if times is not None:
        headers["X-Sandbox-Fault-Times"] = str(times)
        headers["X-Sandbox-Fault-Id"] = fault_id or f"{name}-{id(headers)}"
    if retry_after is not None:
        headers["X-Sandbox-Retry-After"] = retry_after
    return headers


FIRST = [
    "Jane",
    "John",
    "Maria",
    "Ahmed",
    "Yuki",
    "Olga",
    "Pedro",
    "Chloe",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Ravi",
    "Anna",
    "Tom",
    "Lea",
    "Omar",
    "Ines",
    "Paul",
    "Zoe",
]
LAST = [
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Tanaka",
    "Ivanova",
    "Silva",
    "Martin",
    "Brown",
    "Rossi",
    "Nguyen",
    "Muller",
    "Patel",
    "Kowalski",
    "Dubois",
    "Larsen",
]
DOMAINS = [
    f"{w}.com"
    for w in (
        "acme",
        "globex",
        "initech",
        "umbrella",
        "hooli",
        "vandelay",
        "stark",
        "wayne",
        "wonka",
        "tyrell",
        "cyberdyne",
        "soylent",
        "aperture",
        "massive",
        "oscorp",
        "dunder",
    )
]


def people() -> list[tuple[str, str, str]]:
    return [(f, last, d) for d in DOMAINS for f in FIRST for last in LAST]


def pick(predicate: Callable[[data.Person], bool]) -> tuple[str, str, str]:
    """The first (first, last, domain) whose sandbox person satisfies ``predicate``."""
    for f, last, d in people():
        if predicate(data.person(f, last, None, d)):
            return f, last, d
    raise AssertionError("no such person in the test population")


def assert_no_key(result: ProviderResult) -> None:
    text = json.dumps(result.raw or {}) + result.message
    assert "sandbox-key" not in text
