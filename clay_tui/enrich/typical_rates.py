"""The hit rates an estimate assumes for a column with no history yet, in one place.

Each manifest provider's endpoint carries its own ``typical_hit_rate`` (percent of calls
that return data; a verifier's: a definite verdict), so a provider added as a manifest is
estimated from its own figure like the built-in ones (docs/provider-manifests.md).

Source: no provider publishes a find rate one could quote (Hunter and Prospeo bill only
when they find, https://help.hunter.io/en/articles/1911617 and
https://prospeo.io/api-docs/enrich-person, and say nothing about how often that is), so
the built-in manifests' figures are this project's planning figures, kept close to what the
bundled sandbox draws (each manifest's ``sandbox.hit_rate``; ``clay_tui/sandbox/data.py``
HIT_RATES) and on the cautious side for live data. Once a column has ``HISTORY_MIN_CELLS``
stored results (see ``enrich/estimate.py``), its own history replaces them, in run
estimates and in the credits calculator alike.
"""

from __future__ import annotations

from clay_tui.manifests import find_manifest

# Providers without a manifest endpoint for the operation (OpenAI: a model call answers).
TYPICAL_HIT_RATE: dict[str, float] = {"openai": 0.95}
# Share of found emails Hunter's verifier accepts (the rest are refunded, the waterfall goes on).
TYPICAL_VALID_RATE = 0.8
# A provider and operation known from nowhere: an even chance.
DEFAULT_HIT_RATE = 0.5


def hit_rate(provider: str, operation: str | None = None) -> float:
    """Share of ``provider``'s calls for ``operation`` that return data: its manifest
    endpoint's ``typical_hit_rate`` (the first endpoint's without ``operation``)."""
    m = find_manifest(provider)
    if m is not None and m.endpoints:
        ep = m.endpoint(operation or "") or next(iter(m.endpoints.values()))
        return ep.typical_hit_rate / 100
    return TYPICAL_HIT_RATE.get(provider, DEFAULT_HIT_RATE)
