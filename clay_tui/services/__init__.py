"""The one way in: the functions both front ends (TUI and CLI) call.

Grouped by subsystem: ``services.tables``, ``services.credits``, ``services.enrich``.
Nothing here imports Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clay_tui.config import Settings
from clay_tui.providers.sandbox_link import use_sandbox

if TYPE_CHECKING:
    import httpx


def _start_sandbox(settings: Settings) -> str | None:
    """The bundled sandbox's address (started on first use): what providers in sandbox mode
    call. Installed here, so the providers never import the sandbox."""
    from clay_tui.sandbox.server import ensure_sandbox

    return ensure_sandbox(settings)


def _sandbox_transport(url: str) -> httpx.AsyncBaseTransport | None:
    """The in-process way (no sockets) to the sandbox at ``url`` if it runs in this process."""
    from clay_tui.services.sandbox import in_process_transport

    return in_process_transport(url)


use_sandbox(_start_sandbox, _sandbox_transport)
