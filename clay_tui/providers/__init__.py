"""Provider adapters (httpx) and free offline cleaning; no Textual imports."""

from typing import TYPE_CHECKING, Any

from clay_tui.providers.base import Outcome, ProviderResult

if TYPE_CHECKING:
    from clay_tui.providers.client import ProviderClient
    from clay_tui.providers.registry import Providers

__all__ = ["Outcome", "ProviderClient", "ProviderResult", "Providers"]


def __getattr__(name: str) -> Any:
    # imported when first needed: start-up (the HTTP client and its httpx load with the first
    # provider call, not with the action catalogue the first screen reads)
    if name == "ProviderClient":
        from clay_tui.providers.client import ProviderClient

        return ProviderClient
    if name == "Providers":
        from clay_tui.providers.registry import Providers

        return Providers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
