"""Per-app, per-endpoint token buckets: the sandbox's rate limit.

guides/rate-limit: "Each endpoint at seller api have rate limit", shown in the
X-Ratelimit-* headers (example "5 req/s (burst 5)"); over it, HTTP 429. Bulk endpoints
count each payload row as one request (bulk-request-rate-adjustment); rows over the limit
fail one by one with ERR_TOO_MANY_REQUEST while the call succeeds. Tokopedia raised the
bulk endpoints' limits "with reasonable rate" without publishing them: the sandbox gives
their rows `ROW_FACTOR` times the call rate (UNCONFIRMED).

Real (monotonic) time, not the sandbox clock: pacing is about wall-clock call rates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass

DEFAULT_PER_SECOND = 5.0
DEFAULT_BURST = 5
ROW_FACTOR = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a bucket granted: `granted` of the weight asked, and its header values."""

    granted: int
    remaining: float
    reset_after: float
    per_second: float
    burst: int


class EndpointLimiter:
    """`take(key, weight)` spends up to `weight` tokens of that key's bucket.

    `per_second` 0 means unlimited. Rows buckets (bulk endpoints) run at `ROW_FACTOR` times
    the rate and burst of call buckets.
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

    def take(self, key: Hashable, weight: int = 1, *, rows: bool = False) -> Outcome:
        """Grant all of `weight` (calls: 1) or as much as the bucket holds (rows)."""
        factor = ROW_FACTOR if rows else 1
        rate, burst = self.per_second * factor, self.burst * factor
        if rate <= 0:
            return Outcome(weight, float(burst), 0.0, 0.0, burst)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get((key, rows))
            if bucket is None:
                bucket = self._buckets[(key, rows)] = [float(burst), now]
            tokens = min(float(burst), bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
            granted = min(weight, int(tokens)) if rows else (1 if tokens >= 1.0 else 0)
            tokens -= granted
            bucket[0] = tokens
        reset_after = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate
        return Outcome(granted, tokens, reset_after, rate, burst)
