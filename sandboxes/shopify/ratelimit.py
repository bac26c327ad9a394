"""Shopify's two per app+store throttles, as leaky buckets in real (monotonic) time.

REST (REST Admin API rate limits page): a bucket of 40 requests leaking 2 per second on the
standard plan; each request adds one; a full bucket answers 429. Every REST answer reports
the fill as `X-Shopify-Shop-Api-Call-Limit: n/40`.

GraphQL (GraphQL Admin API rate limits page): calculated query cost; the standard plan
restores 100 points per second. The bucket size is not on the current page: 2,000 points
is UNCONFIRMED (older pages and forum answers show 1,000 with a 50/s restore). A query
whose requested cost exceeds what is available is THROTTLED.

`configure(per_second, burst)` sets the REST bucket; the GraphQL bucket keeps Shopify's
proportion (50 points per REST request: 100/2 per second, 2000/40 in size). 0 lifts both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass

REST_BUCKET = 40
REST_LEAK_PER_SECOND = 2.0
POINTS_PER_REQUEST = 50.0


@dataclass(slots=True)
class _Level:
    filled: float
    at: float


class LeakyBucket:
    """One bucket per key. `add(key, amount)` returns 0.0 when it fits, else seconds until
    it would; `fill(key)` is the current level. `leak_per_second` 0: unlimited."""

    def __init__(self, size: float, leak_per_second: float) -> None:
        self._lock = threading.Lock()
        self._levels: dict[Hashable, _Level] = {}
        self.size = size
        self.leak_per_second = leak_per_second

    def configure(self, size: float, leak_per_second: float) -> None:
        with self._lock:
            self.size, self.leak_per_second = size, leak_per_second
            self._levels.clear()

    @property
    def unlimited(self) -> bool:
        return self.leak_per_second <= 0

    def _current(self, key: Hashable, now: float) -> _Level:
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = _Level(0.0, now)
        level.filled = max(0.0, level.filled - (now - level.at) * self.leak_per_second)
        level.at = now
        return level

    def add(self, key: Hashable, amount: float = 1.0) -> float:
        if self.unlimited:
            return 0.0
        with self._lock:
            level = self._current(key, time.monotonic())
            if level.filled + amount <= self.size:
                level.filled += amount
                return 0.0
            return (level.filled + amount - self.size) / self.leak_per_second

    def fill(self, key: Hashable) -> float:
        if self.unlimited:
            return 0.0
        with self._lock:
            return self._current(key, time.monotonic()).filled


class ShopRateLimits:
    """The REST and GraphQL buckets of every shop (keyed by the shop's access token)."""

    def __init__(self) -> None:
        self.rest = LeakyBucket(REST_BUCKET, REST_LEAK_PER_SECOND)
        self.graphql = LeakyBucket(
            REST_BUCKET * POINTS_PER_REQUEST, REST_LEAK_PER_SECOND * POINTS_PER_REQUEST
        )

    def configure(self, per_second: float, burst: int | None = None) -> None:
        if per_second < 0:
            raise ValueError(f"rate limit per_second={per_second!r}: must be >= 0")
        size = REST_BUCKET if burst is None else burst
        if size < 1:
            raise ValueError(f"rate limit burst={burst!r}: must be >= 1")
        self.rest.configure(size, per_second)
        self.graphql.configure(size * POINTS_PER_REQUEST, per_second * POINTS_PER_REQUEST)

    @property
    def rest_size(self) -> int:
        return int(self.rest.size)

    def rest_retry_after(self) -> float:
        """Seconds until one request fits again once the bucket is full (Shopify sends a
        fixed Retry-After; its exact value, "2.0" in forum captures, is UNCONFIRMED)."""
        leak = self.rest.leak_per_second or REST_LEAK_PER_SECOND
        return 1.0 / leak

    def graphql_status(self, key: Hashable) -> tuple[float, float, float]:
        """(maximumAvailable, currentlyAvailable, restoreRate) for `extensions.cost`."""
        bucket = self.graphql
        if bucket.unlimited:
            maximum = REST_BUCKET * POINTS_PER_REQUEST
            return maximum, maximum, REST_LEAK_PER_SECOND * POINTS_PER_REQUEST
        return bucket.size, bucket.size - bucket.fill(key), bucket.leak_per_second
