"""Per-store call pacing shared by every worker process (docs/rules.md, rule 6).

A token bucket (pyrate-limiter's GCRA) per store account, kept in Redis when Lapak runs
on Redis so every process draws from the same bucket, in memory when embedded. It blocks
the calling thread until a call is allowed: pacing, not failing. The clock and the sleep
are parameters so a test can run the bucket on a fake clock instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from math import ceil

from pyrate_limiter import (
    AbstractClock,
    Duration,
    InMemoryStateStore,
    Limiter,
    Rate,
    RateItem,
    StateBucket,
    TokenBucket,
)
from pyrate_limiter.buckets import RedisStateStore
from redis import Redis


class TokenBucketPacer:
    """A `sync.protocol.Pacer` for one store: `rate_per_second` sustained, `burst` at once."""

    def __init__(
        self,
        store_name: str,
        rate_per_second: float,
        burst: int,
        redis: Redis | None = None,
        *,
        clock: AbstractClock | None = None,
        sleep: Callable[[float], None] = time.sleep,
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
        # clock None: the store's own (wall clock on Redis, shared by every process)
        self._bucket = StateBucket([rate], algorithm=TokenBucket(), store=store, clock=clock)
        self._limiter = Limiter(self._bucket)
        self._name = store_name
        self._sleep = sleep

    def acquire(self, weight: int = 1) -> None:
        """Wait until `weight` calls are allowed, then spend them.

        pyrate-limiter's own blocking loop sleeps with `time.sleep` and cannot take another
        sleep; this is the same loop (wait what the bucket says plus the limiter's buffer,
        then try again) over the injected `sleep`."""
        while not self._limiter.try_acquire(self._name, weight=weight, blocking=False):
            item = self._limiter.bucket_factory.wrap_item(self._name, weight)
            assert isinstance(item, RateItem)  # a sync store: no awaitables
            wait_ms = self._bucket.waiting(item)
            assert isinstance(wait_ms, int)
            if wait_ms == -1:  # heavier than the bucket can ever hold: pyrate gives up too
                return
            self._sleep((max(0, wait_ms) + self._limiter.buffer_ms) / 1000)


class UnpacedPacer:
    """No pacing: for sandboxes whose rate limit is lifted (benchmarks)."""

    def acquire(self, weight: int = 1) -> None:
        return None
