"""The set of provider clients for one run.

Sandbox mode points a provider at the bundled sandbox (``<sandbox_url>/<provider>``)
with the sandbox key; live mode uses ``base_url`` and the key from the env var.
Switching between them is config only, never code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from clay_tui.config import ProviderSettings, Settings
from clay_tui.providers import sandbox_link
from clay_tui.providers.base import register_secret
from clay_tui.providers.client import ProviderClient


class Providers:
    """Lazily built :class:`ProviderClient` per provider name; close them with :meth:`aclose`."""

    def __init__(
        self,
        settings: Settings,
        *,
        sandbox_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        loopback: bool = True,
        **client_options: Any,  # backoff_s, max_backoff_s, max_wait_s (tests use small ones)
    ) -> None:
        self.settings = settings
        self._sandbox_url = sandbox_url
        self._transport = transport
        self._loopback = loopback  # sandbox clients reach an in-process sandbox without sockets
        self._options = client_options
        self._clients: dict[str, ProviderClient] = {}
        register_configured_keys(settings)

    @property
    def sandbox_url(self) -> str | None:
        if self._sandbox_url is None and self.settings.any_sandbox:
            self._sandbox_url = sandbox_link.sandbox_url(self.settings)
        return self._sandbox_url

    def provider_settings(self, name: str) -> ProviderSettings:
        return self.settings.providers.get(name) or ProviderSettings(name=name)

    def client(self, name: str) -> ProviderClient:
        """The client for ``name``; a sandbox that cannot listen raises ProviderError."""
        if name not in self._clients:
            ps = self.provider_settings(name)
            sandbox = ps.mode == "sandbox"
            base = f"{self.sandbox_url}/{name}" if sandbox else ps.base_url
            transport = self._transport
            if transport is None and sandbox and self._loopback:
                transport = sandbox_link.sandbox_transport(self.sandbox_url or "")
            self._clients[name] = ProviderClient(
                ps,
                base,
                api_key=ps.api_key,
                sandbox=sandbox,
                transport=transport,
                **self._options,
            )
        return self._clients[name]

    def start(self, names: Iterable[str]) -> None:
        """Build the clients of these providers now (those configured), so one that cannot
        start ends a run before its first cell, in one sentence, with nothing charged."""
        for name in names:
            if name in self.settings.providers:
                self.client(name)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> Providers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def register_configured_keys(settings: Settings) -> None:
    """Every key the config points at (env var, keyring, key file) becomes a known secret,
    so no answer from any provider (or HTTP action) can carry one into a cell."""
    from clay_tui import keystore

    for ps in settings.providers.values():
        if ps.api_key_env:
            register_secret(keystore.resolve(ps.api_key_env)[0])
