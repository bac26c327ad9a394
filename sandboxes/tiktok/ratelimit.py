"""Token buckets per (app, shop, API): the sandbox's rate limit.

source: rate-limits.md — "a default rate limit of 50 QPS (Queries Per Second) for each
API", "based on the combination of the app and shop"; throttled calls get HTTP 429. The
bucket size (burst) is the sandbox's choice: one second's worth.

Real (monotonic) time, not the sandbox clock: pacing is about wall-clock call rates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

DEFAULT_PER_SECOND = 50.0
DEFAULT_BURST = 50


class RateLimiter:
    """`take(key)` spends one token of that key's bucket: 0.0 if allowed, else seconds to wait.

    `per_second` 0 means unlimited.
    """

    def __init__(self, per_second: float = DEFAULT_PER_SECOND, burst: int = DEFAULT_BURST):
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, list[float]] = {}
        self.per_second = per_second
        self.burst = burst
        self.configure(per_second, burst)

    def configure(self, per_second: float, burst: int | None = None) -> None:
        if per_second < 0:
            raise ValueError(f"rate limit per_second={per_second!r}: must be >= 0")
        burst = self.burst if burst is None else burst
        if burst < 1:
            raise ValueError(f"rate limit burst={burst!r}: must be >= 1")
        with self._lock:
            self.per_second = float(per_second)
            self.burst = int(burst)
            self._buckets.clear()

    def take(self, key: Hashable) -> float:
        if self.per_second <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = [float(self.burst), now]
            tokens = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.per_second)
            bucket[1] = now
            if tokens >= 1.0:
                bucket[0] = tokens - 1.0
                return 0.0
            bucket[0] = tokens
            return (1.0 - tokens) / self.per_second
