"""Smoke: the adapters speak to the session sandbox through Providers."""

from __future__ import annotations

from clay_tui.providers import Outcome, Providers
from clay_tui.providers import hunter, prospeo


async def test_hunter_and_prospeo_find_the_same_email(sandbox_settings) -> None:
    async with Providers(sandbox_settings) as providers:
        h = await hunter.find_email(providers.client("hunter"), first_name="Jane",
                                    last_name="Doe", domain="acme.com")
        p = await prospeo.find_email(providers.client("prospeo"), first_name="Jane",
                                     last_name="Doe", company="acme.com")
    assert h.outcome is Outcome.FOUND and h.sandbox and h.billable
    assert p.outcome is Outcome.FOUND and p.data["email"] == h.data["email"]
