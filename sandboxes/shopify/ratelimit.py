"""Shopify's two per app+store throttles, as leaky buckets on the sandbox clock (the kit's
token buckets: a bucket filling up to `size` is one emptying from `size` tokens).

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

from collections.abc import Callable, Hashable

from lapak.sandboxes.kit.ratelimit import TokenBuckets

REST_BUCKET = 40
REST_LEAK_PER_SECOND = 2.0
POINTS_PER_REQUEST = 50.0


class ShopRateLimits:
    """The REST and GraphQL buckets of every shop (keyed by the shop's access token)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.rest = TokenBuckets(REST_LEAK_PER_SECOND, REST_BUCKET, now)
        self.graphql = TokenBuckets(
            REST_LEAK_PER_SECOND * POINTS_PER_REQUEST, int(REST_BUCKET * POINTS_PER_REQUEST), now
        )

    def configure(self, per_second: float, burst: int | None = None) -> None:
        size = REST_BUCKET if burst is None else burst
        self.rest.configure(per_second, size)
        self.graphql.configure(per_second * POINTS_PER_REQUEST, int(size * POINTS_PER_REQUEST))

    @property
    def rest_size(self) -> int:
        return self.rest.burst

    def rest_retry_after(self) -> float:
        """Seconds until one request fits again once the bucket is full (Shopify sends a
        fixed Retry-After; its exact value, "2.0" in forum captures, is UNCONFIRMED)."""
        leak = self.rest.per_second or REST_LEAK_PER_SECOND
        return 1.0 / leak

    def graphql_status(self, key: Hashable) -> tuple[float, float, float]:
        """(maximumAvailable, currentlyAvailable, restoreRate) for `extensions.cost`."""
        bucket = self.graphql
        if bucket.unlimited:
            maximum = REST_BUCKET * POINTS_PER_REQUEST
            return maximum, maximum, REST_LEAK_PER_SECOND * POINTS_PER_REQUEST
        return float(bucket.burst), float(bucket.burst - bucket.level(key)), bucket.per_second
