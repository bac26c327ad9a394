"""A mutex with a TTL, held as a lease: renewed for as long as its holder works.

dramatiq's `ConcurrentRateLimiter` (limit 1) is the one-push-per-store mutex, shared by
every process through its backend (Redis at scale, the in-memory `StubBackend` when
embedded). Its TTL lets a dead worker's mutex go, but it also lets the next holder in when a
live holder works longer than the TTL, and a push that creates a store's first listings at
its marketplace's pace can take minutes. `Lease.hold()` therefore renews the key from a
daemon thread every third of the TTL until the holder is done: a live holder never loses
the mutex, a killed one loses it one TTL after its last renewal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from dramatiq.rate_limits import ConcurrentRateLimiter
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)


Wait = Callable[[threading.Event, float], bool]
"""The clock the renewals keep: blocks until the event is set or the seconds have passed,
and says whether the event was set (`threading.Event.wait`; a test passes a fake clock)."""


def _real_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


class Lease:
    """Holds `limiter` (a `ConcurrentRateLimiter` of limit 1) and keeps its TTL fresh."""

    def __init__(self, limiter: ConcurrentRateLimiter, wait: Wait = _real_wait):
        if limiter.limit != 1:
            raise ValueError(f"a lease needs a mutex (limit 1), not limit {limiter.limit}")
        self._limiter = limiter
        self._wait = wait
        self.renewals = 0

    @property
    def renew_every(self) -> float:
        """Seconds between renewals: a third of the TTL, so two can fail before it lapses."""
        return self._limiter.ttl / 3000

    @contextmanager
    def hold(self) -> Iterator[bool]:
        """Yields whether the mutex was acquired; renews it while the block runs."""
        with self._limiter.acquire(raise_on_failure=False) as acquired:
            if not acquired:
                yield False
                return
            done = threading.Event()
            renewer = threading.Thread(
                target=self._renew_until, args=(done,), name=f"lease:{self._limiter.key}"
            )
            renewer.daemon = True
            renewer.start()
            try:
                yield True
            finally:
                done.set()
                renewer.join()

    def _renew_until(self, done: threading.Event) -> None:
        while not self._wait(done, self.renew_every):
            try:
                # The held value (1) written again with a fresh TTL, through the backend's
                # own compare-and-set: on Redis, WATCH/MULTI; embedded, under its lock.
                self._limiter.backend.incr(self._limiter.key, 0, maximum=1, ttl=self._limiter.ttl)
                self.renewals += 1
            except RedisError as exc:  # a Redis blip: the next renewal tries again
                log.warning("lease_renewal_failed", key=self._limiter.key, error=str(exc))
