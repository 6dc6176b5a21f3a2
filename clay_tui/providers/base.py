"""What every provider call comes back as, whatever the provider said.

Adapters translate each provider's own JSON (and its own idea of status codes)
into one :class:`ProviderResult`, so the engine never parses provider answers.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import quote, quote_plus


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


# ---------------------------------------------------------------- secrets

REDACTED = "[redacted]"
MIN_SECRET_LEN = 6  # shorter values ("json", "1") are not secrets and would redact everything
PARTIAL_LEN = 12  # a key of 16+ characters: any 12 of its characters in a row count as the key

_KNOWN: set[str] = set()  # every key this process has sent or been given
_KNOWN_LOCK = threading.Lock()
_VERSION = [0]  # bumped whenever a secret is learnt (clients rebuild their redactor)


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret: every :class:`Redactor` made later removes it."""
    value = (value or "").strip()
    if len(value) >= MIN_SECRET_LEN:
        with _KNOWN_LOCK:
            if value not in _KNOWN:
                _KNOWN.add(value)
                _VERSION[0] += 1


def secrets_version() -> int:
    return _VERSION[0]


def known_secrets() -> frozenset[str]:
    with _KNOWN_LOCK:
        return frozenset(_KNOWN)


class Redactor:
    """Removes keys (and the header values that carried them) from text a provider sent back.

    Every text coming back from a provider passes through one of these before it is
    stored, logged, shown or exported: the key as sent, its URL-encodings, its JSON/repr
    escapes, in any case, and (for long keys) any long enough piece of it.
    """

    def __init__(self, secrets: Iterable[str | None] = (), *, known: bool = True) -> None:
        values = {(s or "").strip() for s in secrets}
        if known:
            values |= known_secrets()
        values = {v for v in values if len(v) >= MIN_SECRET_LEN}
        forms: set[str] = set()
        windows: set[str] = set()
        for v in values:
            forms |= {v, quote(v, safe=""), quote_plus(v), json.dumps(v)[1:-1], repr(v)[1:-1]}
            if len(v) >= 16:
                windows |= {v[i : i + PARTIAL_LEN].lower() for i in range(len(v) - PARTIAL_LEN + 1)}
        ordered = sorted((f for f in forms if len(f) >= MIN_SECRET_LEN), key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE) if ordered else None
        )
        self._windows = sorted(windows)
        # A quick "nothing secret here" (the common case) before walking an answer: every
        # form and piece, lowercased, as plain substrings (far faster than one big regex).
        self._probes = sorted({f.lower() for f in ordered} | windows)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _clean(self, blob: str) -> bool:
        low = blob.lower()
        return not any(p in low for p in self._probes)

    def text(self, text: str) -> str:
        if not text or self._pattern is None or self._clean(text):
            return text
        text = self._pattern.sub(REDACTED, text)
        if not self._windows:
            return text
        low = text.lower()
        spans: list[tuple[int, int]] = []
        for w in self._windows:
            start = low.find(w)
            while start != -1:
                spans.append((start, start + len(w)))
                start = low.find(w, start + 1)
        if not spans:
            return text
        spans.sort()
        merged = [list(spans[0])]
        for a, b in spans[1:]:
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out, pos = [], 0
        for a, b in merged:
            out += [text[pos:a], REDACTED]
            pos = b
        out.append(text[pos:])
        return "".join(out)

    def value(self, value: Any) -> Any:
        """``value`` with every string inside it (keys of dicts too) redacted."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value

    def result(self, res: ProviderResult) -> ProviderResult:
        """``res`` with its message, error id, data and raw answer redacted."""
        if self._pattern is None:
            return res
        try:
            blob = json.dumps(
                [res.message, res.error_id, res.data, res.raw], default=str, ensure_ascii=False
            )
        except (TypeError, ValueError, RecursionError):
            blob = None  # cannot look at it in one piece: walk it below
        if blob is not None and self._clean(blob):
            return res
        changes = {
            "message": self.text(res.message),
            "error_id": self.text(res.error_id) if res.error_id else res.error_id,
            "data": self.value(res.data),
            "raw": self.value(res.raw) if res.raw is not None else None,
        }
        if all(changes[k] == getattr(res, k) for k in changes):
            return res
        return replace(res, **changes)


def redact(value: Any, *extra: str | None) -> Any:
    """``value`` with every known secret (and ``extra``) removed: for one-off texts."""
    return Redactor(extra).value(value)
