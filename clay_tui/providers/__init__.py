"""Provider adapters (httpx) and free offline cleaning; no Textual imports."""

from clay_tui.providers.base import Outcome, ProviderResult
from clay_tui.providers.client import ProviderClient
from clay_tui.providers.registry import Providers

__all__ = ["Outcome", "ProviderClient", "ProviderResult", "Providers"]
