"""Per-app, per-endpoint token buckets (docs/MARKETPLACES.md#tokopedia-rate-limits).

Bulk endpoints count each row; their rows get `ROW_FACTOR` times the call rate and burst
(the sandbox's guess: docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.tokopedia.wire import ratelimit_headers

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

    @property
    def headers(self) -> dict[str, str]:
        return ratelimit_headers(self.per_second, self.burst, self.remaining, self.reset_after)


class EndpointLimiter:
    """`take(key, weight)` spends up to `weight` tokens of that key's bucket.

    `per_second` 0 means unlimited. Rows buckets (bulk endpoints) run at `ROW_FACTOR` times
    the rate and burst of call buckets.
    """

    def __init__(self, now: Callable[[], float]) -> None:
        self._calls = TokenBuckets(DEFAULT_PER_SECOND, DEFAULT_BURST, now)
        self._rows = TokenBuckets(DEFAULT_PER_SECOND * ROW_FACTOR, DEFAULT_BURST * ROW_FACTOR, now)

    @property
    def per_second(self) -> float:
        return self._calls.per_second

    @property
    def burst(self) -> int:
        return self._calls.burst

    def configure(self, per_second: float, burst: int | None = None) -> None:
        self._calls.configure(per_second, burst)
        self._rows.configure(per_second * ROW_FACTOR, self._calls.burst * ROW_FACTOR)

    def take(self, key: Hashable, weight: int = 1, *, rows: bool = False) -> Outcome:
        """Grant all of `weight` (calls: 1) or as much as the bucket holds (rows)."""
        buckets = self._rows if rows else self._calls
        grant = buckets.take_upto(key, weight if rows else 1)
        return Outcome(
            grant.granted, grant.remaining, grant.wait, buckets.per_second, buckets.burst
        )
