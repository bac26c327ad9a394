"""Per-key token buckets on the sandbox clock: the rate limit every fake marketplace applies.

pyrate-limiter's token bucket (GCRA: one "theoretical arrival time" per key) decides; this
module keeps one state per key in memory and reads time from the sandbox's clock, so a test
that moves the clock with `advance` refills the buckets as real time would. What a throttled
call answers (status, envelope, headers) is each platform's own, in its wire and app.

`per_second` 0 lifts the limit. `configure` empties every bucket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from pyrate_limiter import Rate, TokenBucket
from pyrate_limiter.abstracts.algorithm import State

# pyrate-limiter counts whole units per interval: a rate over a thousand seconds keeps a
# fractional per-second rate (2.5/s → 2,500 per 1,000 s) exact to a thousandth.
_SCALE = 1000
_GCRA = TokenBucket()


@dataclass(frozen=True, slots=True)
class Grant:
    """What a bucket granted of the weight asked, and its level afterwards."""

    granted: int
    remaining: int
    """Whole tokens left in the bucket."""
    wait: float
    """Seconds until one more token is there (0.0 if one is)."""


class TokenBuckets:
    """One bucket of `burst` tokens refilling at `per_second` per key; `now` gives seconds."""

    def __init__(self, per_second: float, burst: int, now: Callable[[], float]) -> None:
        self._lock = threading.Lock()
        self._now = now
        self._states: dict[Hashable, State] = {}
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
            self._states.clear()

    @property
    def unlimited(self) -> bool:
        return self.per_second <= 0

    def _rates(self) -> list[Rate]:
        limit = max(1, round(self.per_second * _SCALE))
        return [Rate(limit, _SCALE * 1000, burst=self.burst)]

    def _state(self, key: Hashable) -> State:
        return self._states.get(key) or _GCRA.initial(self._rates())

    def take(self, key: Hashable, weight: int = 1) -> float:
        """Spend `weight` tokens of `key`'s bucket: 0.0 if they were there, else seconds
        until they will be (nothing spent)."""
        if self.unlimited:
            return 0.0
        with self._lock:
            now_ms = int(self._now() * 1000)
            rates = self._rates()
            state, decision = _GCRA.step(rates, self._state(key), now_ms, weight)
            self._states[key] = state
        if decision.allowed:
            return 0.0
        if decision.retry_after_ms is None:  # heavier than the bucket can ever hold
            return float("inf")
        return decision.retry_after_ms / 1000

    def take_upto(self, key: Hashable, weight: int) -> Grant:
        """Spend as many of `weight` tokens as `key`'s bucket holds (a bulk call's rows)."""
        if self.unlimited:
            return Grant(weight, self.burst, 0.0)
        with self._lock:
            now_ms = int(self._now() * 1000)
            rates = self._rates()
            state = self._state(key)
            granted = min(weight, self.burst - _GCRA.consumed(rates, state, now_ms))
            if granted > 0:
                state, _ = _GCRA.step(rates, state, now_ms, granted)
                self._states[key] = state
            remaining = self.burst - _GCRA.consumed(rates, state, now_ms)
            _, probe = _GCRA.step(rates, state, now_ms, 1)
        wait = 0.0 if probe.allowed else (probe.retry_after_ms or 0) / 1000
        return Grant(max(0, granted), remaining, wait)

    def level(self, key: Hashable) -> int:
        """Tokens spent and not yet refilled (a leaky bucket's fill)."""
        if self.unlimited:
            return 0
        with self._lock:
            return _GCRA.consumed(self._rates(), self._state(key), int(self._now() * 1000))
