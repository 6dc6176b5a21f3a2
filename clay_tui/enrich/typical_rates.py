"""The hit rates an estimate assumes for a column with no history yet, in one place.

Source: no provider publishes a find rate one could quote (Hunter and Prospeo bill only
when they find, https://help.hunter.io/en/articles/1911617 and
https://prospeo.io/api-docs/enrich-person, and say nothing about how often that is), so
these are this project's planning figures, kept close to what the bundled sandbox draws
(``clay_tui/sandbox/data.py`` HIT_RATES: Prospeo 55 %, Hunter 65 % of names it is asked
about; its verifier rejects the 15 % of catch-all domains plus the misses) and on the
cautious side for live data. Once a column has ``HISTORY_MIN_CELLS`` stored results (see
``enrich/estimate.py``), its own history replaces them, in run estimates and in the credits
calculator alike.
"""

from __future__ import annotations

# Share of calls to each provider that return data (a charged finder step).
TYPICAL_HIT_RATE: dict[str, float] = {"prospeo": 0.55, "hunter": 0.45, "openai": 0.95}
# Share of found emails Hunter's verifier accepts (the rest are refunded, the waterfall goes on).
TYPICAL_VALID_RATE = 0.8
# A provider missing above (a new one): an even chance.
DEFAULT_HIT_RATE = 0.5


def hit_rate(provider: str) -> float:
    return TYPICAL_HIT_RATE.get(provider, DEFAULT_HIT_RATE)
