"""How sandbox-mode providers reach the bundled sandbox, without importing it.

The sandbox stands in for the providers' own servers, so the providers never import it:
services install a starter here (``use_sandbox``) that returns the sandbox's address for a
``Settings``, starting it on first use; :class:`~clay_tui.providers.registry.Providers`
asks it only when a provider in sandbox mode is first called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clay_tui.errors import ProviderError

if TYPE_CHECKING:
    import httpx

    from clay_tui.config import Settings

SandboxStarter = Callable[["Settings"], "str | None"]
# The in-process way to the sandbox at a URL (no sockets), or None for one in another process.
SandboxTransport = Callable[[str], "httpx.AsyncBaseTransport | None"]

_starter: list[SandboxStarter | None] = [None]
_transport: list[SandboxTransport | None] = [None]


def use_sandbox(start: SandboxStarter | None, transport: SandboxTransport | None = None) -> None:
    """Install (or, with None, remove) the way to the sandbox's address (and app)."""
    _starter[0] = start
    _transport[0] = transport


def sandbox_transport(url: str) -> httpx.AsyncBaseTransport | None:
    """A transport reaching the sandbox at ``url`` in-process, or None (use sockets)."""
    make = _transport[0]
    return make(url) if make is not None else None


def sandbox_url(settings: Settings) -> str | None:
    """The sandbox's address for these settings, starting it if needed."""
    start = _starter[0]
    if start is None:
        raise ProviderError(
            "Cannot start the provider sandbox: none is installed in this "
            "process (clay_tui.services installs it)."
        )
    return start(settings)
