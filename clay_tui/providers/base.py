"""What every provider call comes back as, whatever the provider said.

Adapters translate each provider's own JSON (and its own idea of status codes)
into one :class:`ProviderResult`, so the engine never parses provider answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    FOUND = "found"
    NO_DATA = "no_data"
    INVALID = "invalid"
    ERROR = "error"


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    provider: str  # "hunter" | "prospeo" | "openai" | "http" | "cleaning"
    action: str  # "email_finder" | "email_verifier" | "mobile_finder" | "enrich_person" | "chat"
    data: dict[str, Any]  # normalized fields; empty unless FOUND/INVALID
    error_id: str | None = None  # the provider's own id, or ours ("timeout", "malformed_json", ...)
    message: str = ""  # one sentence for the cell / Run Info
    billable: bool = False  # the provider returned chargeable data
    unknown_outcome: bool = False  # a paid POST timed out: error, never retried, never charged
    stop_provider: bool = False  # bad key / quota used up: no more calls to this provider this run
    sandbox: bool = False  # answered by the bundled sandbox
    raw: dict[str, Any] | None = None  # the JSON answer (never contains our key)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.FOUND

    def with_(self, **changes: Any) -> ProviderResult:
        """A copy with some fields changed (results are frozen)."""
        return replace(self, **changes)


def error_result(
    provider: str,
    action: str,
    error_id: str,
    message: str,
    *,
    sandbox: bool = False,
    unknown_outcome: bool = False,
    stop_provider: bool = False,
    raw: dict[str, Any] | None = None,
) -> ProviderResult:
    """An ERROR result: never billable."""
    return ProviderResult(
        outcome=Outcome.ERROR,
        provider=provider,
        action=action,
        data={},
        error_id=error_id,
        message=message,
        unknown_outcome=unknown_outcome,
        stop_provider=stop_provider,
        sandbox=sandbox,
        raw=raw,
    )
