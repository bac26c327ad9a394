"""Wrong tokens, counted per client: after `limit` within `window` seconds, wait.

The sign-in form and bearer tokens (`/api/`, the operators' JSON) count into the same
throttle, so a token cannot be guessed at speed through either. With Redis (scaled out)
the count is shared by every web process, in a sorted set per client that expires with its
window; embedded, it is kept in this process. A right bearer token does not clear the
count (a client holding one token could otherwise reset it between guesses at others); a
right token at the sign-in form does, as a person who mistyped is then in.

If Redis cannot be reached the throttle lets requests through and logs it: refusing every
sign-in while Redis restarts would lock every reseller out.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from typing import Protocol

import structlog
from redis import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

LIMIT = 10
"""Wrong tokens a client may send within `WINDOW`."""
WINDOW = 300.0
"""Seconds a wrong token counts against its client."""
MAX_CLIENTS = 10_000
"""In memory, at most this many clients are tracked (a flood of addresses forgets the oldest)."""


class Throttle(Protocol):
    def blocked(self, client: str, now: float | None = None) -> float:
        """Seconds until this client may try again (0: now)."""
        ...

    def failed(self, client: str, now: float | None = None) -> None:
        """Count a wrong token from this client."""
        ...

    def succeeded(self, client: str) -> None:
        """Forget this client's wrong tokens."""
        ...


class MemoryThrottle:
    """The throttle of one process (embedded)."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW):
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}
        self._guard = threading.Lock()

    def blocked(self, client: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._guard:
            recent = [t for t in self._failures.get(client, []) if t > now - self.window]
            if recent:
                self._failures[client] = recent
            else:
                self._failures.pop(client, None)
            if len(recent) < self.limit:
                return 0.0
            return recent[-self.limit] + self.window - now

    def failed(self, client: str, now: float | None = None) -> None:
        with self._guard:
            if len(self._failures) > MAX_CLIENTS:
                for key in list(self._failures)[: MAX_CLIENTS // 2]:
                    del self._failures[key]
            failures = self._failures.setdefault(client, [])
            failures.append(time.monotonic() if now is None else now)
            del failures[: -self.limit]  # only the last `limit` ever decide

    def succeeded(self, client: str) -> None:
        with self._guard:
            self._failures.pop(client, None)


class RedisThrottle:
    """The throttle shared by every web process through Redis (wall-clock seconds)."""

    PREFIX = "lapak:auth-failures:"

    def __init__(self, redis: Redis, limit: int = LIMIT, window: float = WINDOW):
        self.redis, self.limit, self.window = redis, limit, window

    def _key(self, client: str) -> str:
        return self.PREFIX + client

    def blocked(self, client: str, now: float | None = None) -> float:
        now = time.time() if now is None else now
        key = self._key(client)
        try:
            pipe = self.redis.pipeline()
            pipe.zremrangebyscore(key, "-inf", now - self.window)
            pipe.zrange(key, -self.limit, -self.limit, withscores=True)
            _, decisive = pipe.execute()
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)
            return 0.0
        if not decisive:
            return 0.0
        return max(0.0, float(decisive[0][1]) + self.window - now)

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        key = self._key(client)
        try:
            pipe = self.redis.pipeline()
            pipe.zadd(key, {uuid.uuid4().hex: now})
            pipe.zremrangebyrank(key, 0, -self.limit - 1)  # only the last `limit` ever decide
            pipe.expire(key, math.ceil(self.window))
            pipe.execute()
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)

    def succeeded(self, client: str) -> None:
        try:
            self.redis.delete(self._key(client))
        except RedisError as error:
            log.warning("auth_throttle_unavailable", error=type(error).__name__)


def throttle_for(redis: Redis | None) -> Throttle:
    """Shared through Redis when the process has one, else this process's own."""
    return RedisThrottle(redis) if redis is not None else MemoryThrottle()
