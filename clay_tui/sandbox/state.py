"""What the sandbox remembers between requests (kept small and in memory)."""

from __future__ import annotations

import threading
from collections import Counter


class SandboxState:
    """Seen keys (202 "still verifying" once, repeat enrichments free) and fault counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()
        self._counts: Counter[str] = Counter()
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
