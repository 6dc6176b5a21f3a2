"""What the sandbox remembers between requests (kept small and in memory)."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque


class SandboxState:
    """Seen keys (202 "still verifying" once, repeat enrichments free) and fault counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()
        self._counts: Counter[str] = Counter()
        self._windows: dict[str, deque[float]] = {}
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
        """Sliding-window rate limits: True (and counted) if one more request under ``key``
        stays within every (requests, seconds) window, False (not counted) otherwise."""
        now = time.monotonic()
        longest = max(seconds for _, seconds in limits)
        with self._lock:
            seen = self._windows.setdefault(key, deque())
            while seen and now - seen[0] >= longest:
                seen.popleft()
            for count, seconds in limits:
                if sum(1 for t in seen if now - t < seconds) >= count:
                    return False
            seen.append(now)
            return True
