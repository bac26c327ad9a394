"""Wrong tokens, counted per client: after `limit` within `window` seconds, wait.

The sign-in form and bearer tokens (`/api/`, the operators' JSON) count into the same
throttle, so a token cannot be guessed at speed through either. Each client's wrong tokens
are a pyrate-limiter sliding-window bucket of `limit` per `window`: with Redis (scaled out)
a `RedisBucket` (one sorted set per client, expiring with its window) shared by every web
process, embedded an `InMemoryBucket` of this process. A client is held back while the
bucket is full, until the oldest of its last `limit` wrong tokens leaves the window. A right
bearer token does not clear the count (a client holding one token could otherwise reset it
between guesses at others); a right token at the sign-in form does, as a person who
mistyped is then in.

If Redis cannot be reached the throttle lets requests through and logs it: refusing every
sign-in while Redis restarts would lock every reseller out.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

import structlog
from pyrate_limiter import (
    AbstractBucket,
    InMemoryBucket,
    Rate,
    RateItem,
    RedisBucket,
    SlidingWindowLog,
)
from pyrate_limiter.buckets.redis_bucket import LuaScript
from redis import Redis
from redis.exceptions import NoScriptError, RedisError

log = structlog.get_logger(__name__)

LIMIT = 10
"""Wrong tokens a client may send within `WINDOW`."""
WINDOW = 300.0
"""Seconds a wrong token counts against its client."""
MAX_CLIENTS = 10_000
"""In memory, at most this many clients are tracked (a flood of addresses forgets the oldest)."""

Clock = Callable[[], float]
"""Seconds; tests pass a clock they move by hand."""

_WINDOW_LOG = SlidingWindowLog()
_ITEM = "wrong-token"


class Throttle(Protocol):
    def blocked(self, client: str) -> float:
        """Seconds until this client may try again (0: now)."""
        ...

    def failed(self, client: str) -> None:
        """Count a wrong token from this client."""
        ...

    def succeeded(self, client: str) -> None:
        """Forget this client's wrong tokens."""
        ...


class _BucketThrottle:
    """Wrong tokens as a pyrate-limiter bucket per client; subclasses say where it lives."""

    def __init__(self, limit: int, window: float, clock: Clock):
        self.limit, self.window, self.clock = limit, window, clock
        self.rate = Rate(limit, math.ceil(window * 1000))

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _wait(self, bucket: AbstractBucket) -> float:
        """Seconds until the oldest of the client's last `limit` wrong tokens leaves the
        window; 0 while fewer than `limit` are in it."""
        now = self._now_ms()
        offset = _WINDOW_LOG.blocking_offset(self.rate, 1)
        assert offset is not None  # a sliding window always names its blocking entry
        blocking = bucket.peek(offset)
        assert blocking is None or isinstance(blocking, RateItem)  # a sync bucket
        if blocking is None:
            return 0.0
        return _WINDOW_LOG.retry_after(self.rate, now, blocking.timestamp) / 1000

    def _count(self, bucket: AbstractBucket) -> None:
        """Add a wrong token (a full bucket refuses it: only the last `limit` ever decide)."""
        now = self._now_ms()
        bucket.leak(now)
        bucket.put(RateItem(_ITEM, now))


class MemoryThrottle(_BucketThrottle):
    """The throttle of one process (embedded)."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW, clock: Clock = time.monotonic):
        super().__init__(limit, window, clock)
        self._buckets: dict[str, InMemoryBucket] = {}
        self._guard = threading.Lock()

    def blocked(self, client: str) -> float:
        with self._guard:
            bucket = self._buckets.get(client)
            return self._wait(bucket) if bucket is not None else 0.0

    def failed(self, client: str) -> None:
        with self._guard:
            if len(self._buckets) > MAX_CLIENTS:
                for key in list(self._buckets)[: MAX_CLIENTS // 2]:
                    del self._buckets[key]
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = InMemoryBucket([self.rate], _WINDOW_LOG)
            self._count(bucket)

    def succeeded(self, client: str) -> None:
        with self._guard:
            self._buckets.pop(client, None)


class RedisThrottle(_BucketThrottle):
    """The throttle shared by every web process through Redis (wall-clock seconds)."""

    PREFIX = "lapak:auth-failures:"

    def __init__(
        self, redis: Redis, limit: int = LIMIT, window: float = WINDOW, clock: Clock = time.time
    ):
        super().__init__(limit, window, clock)
        self.redis = redis
        self._script: str | None = None

    def _bucket(self, client: str) -> RedisBucket:
        if self._script is None:
            self._script = str(self.redis.script_load(LuaScript.PUT_ITEM))
        return RedisBucket([self.rate], self.redis, self.PREFIX + client, self._script, _WINDOW_LOG)

    def blocked(self, client: str) -> float:
        try:
            return self._wait(self._bucket(client))
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)
            return 0.0

    def failed(self, client: str) -> None:
        try:
            try:
                self._count(self._bucket(client))
            except NoScriptError:  # Redis restarted and forgot the bucket's script: load it again
                self._script = None
                self._count(self._bucket(client))
            self.redis.expire(self.PREFIX + client, math.ceil(self.window))
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)

    def succeeded(self, client: str) -> None:
        try:
            self.redis.delete(self.PREFIX + client)
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)


def throttle_for(redis: Redis | None) -> Throttle:
    """Shared through Redis when the process has one, else this process's own."""
    return RedisThrottle(redis) if redis is not None else MemoryThrottle()
