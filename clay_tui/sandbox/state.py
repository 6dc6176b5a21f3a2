"""What the sandbox remembers between requests (kept small and in memory)."""

from __future__ import annotations

import threading
import time
from collections import Counter


class SandboxState:
    """Seen keys (202 "still verifying" once, repeat enrichments free) and fault counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()
        self._counts: Counter[str] = Counter()
        self._buckets: dict[str, list[list[float]]] = {}  # key -> [tokens, at]
        self.requests = 0

    def first_time(self, kind: str, key: str) -> bool:
        """True the first time (kind, key) is asked about, False afterwards."""
        with self._lock:
            if (kind, key) in self._seen:
                return False
            self._seen.add((kind, key))
            return True

    def bump(self, key: str, n: int = 1) -> int:
        """Count ``n`` more uses of ``key``; returns the new count."""
        with self._lock:
            self._counts[key] += n
            return self._counts[key]

    def count(self, key: str) -> int:
        with self._lock:
            return self._counts[key]

    def admit(self, key: str, limits: tuple[tuple[int, float], ...]) -> bool:
        """Rate limits as token buckets (``count`` requests per ``seconds``, a full bucket's
        burst at most): True (and counted) if one more request under ``key`` fits every
        bucket, False (not counted) otherwise. A client that keeps to the rate on average is
        never refused for a few milliseconds of jitter; a burst above the limit is."""
        now = time.monotonic()
        with self._lock:
            buckets = self._buckets.setdefault(key, [[float(c), now] for c, _ in limits])
            for bucket, (count, seconds) in zip(buckets, limits, strict=True):
                bucket[0] = min(float(count), bucket[0] + (now - bucket[1]) * count / seconds)
                bucket[1] = now
            if any(bucket[0] < 1.0 for bucket in buckets):
                return False
            for bucket in buckets:
                bucket[0] -= 1.0
            return True
