"""Per-store call pacing shared by every worker process (docs/rules.md, rule 6).

A token bucket (pyrate-limiter's GCRA) per store account, kept in Redis when Lapak runs
on Redis so every process draws from the same bucket, in memory when embedded. It blocks
the calling thread until a call is allowed: pacing, not failing.
"""

from __future__ import annotations

from math import ceil

from pyrate_limiter import Duration, InMemoryStateStore, Limiter, Rate, StateBucket, TokenBucket
from pyrate_limiter.buckets import RedisStateStore
from redis import Redis


class TokenBucketPacer:
    """A `sync.protocol.Pacer` for one store: `rate_per_second` sustained, `burst` at once."""

    def __init__(
        self, store_name: str, rate_per_second: float, burst: int, redis: Redis | None = None
    ):
        # pyrate-limiter counts whole units per interval: express fractional rates over a
        # longer interval (2.5/s → 5 per 2 s) so the sustained rate stays exact.
        scale = 1
        while abs(rate_per_second * scale - round(rate_per_second * scale)) > 1e-9 and scale < 1000:
            scale *= 10
        rate = Rate(
            max(1, round(rate_per_second * scale)),
            Duration.SECOND * scale,
            burst=max(1, ceil(burst)),
        )
        store = (
            RedisStateStore(redis, key=f"lapak:pace:{store_name}")
            if redis is not None
            else InMemoryStateStore()
        )
        self._limiter = Limiter(StateBucket([rate], algorithm=TokenBucket(), store=store))
        self._name = store_name

    def acquire(self, weight: int = 1) -> None:
        self._limiter.try_acquire(self._name, weight=weight, blocking=True)


class UnpacedPacer:
    """No pacing: for sandboxes whose rate limit is lifted (benchmarks)."""

    def acquire(self, weight: int = 1) -> None:
        return None
