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
    from clay_tui.config import Settings

SandboxStarter = Callable[["Settings"], "str | None"]

_starter: list[SandboxStarter | None] = [None]


def use_sandbox(start: SandboxStarter | None) -> None:
    """Install (or, with None, remove) the way to the sandbox's address."""
    _starter[0] = start


def sandbox_url(settings: Settings) -> str | None:
    """The sandbox's address for these settings, starting it if needed."""
    start = _starter[0]
    if start is None:
        raise ProviderError(
            "Cannot start the provider sandbox: none is installed in this "
            "process (clay_tui.services installs it)."
        )
    return start(settings)
