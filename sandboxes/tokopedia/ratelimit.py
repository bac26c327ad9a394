"""Per-app, per-endpoint token buckets (docs/MARKETPLACES.md#tokopedia-rate-limits).

Bulk endpoints count each row; their rows get `ROW_FACTOR` times the call rate and burst
(the sandbox's guess: docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lapak.sandboxes.kit.ratelimit import Grant, TokenBuckets

DEFAULT_PER_SECOND = 5.0
DEFAULT_BURST = 5
ROW_FACTOR = 20


class EndpointLimiter(TokenBuckets):
    """The calls' buckets, keyed by (fs_id, endpoint); `rows` the bulk endpoints' rows'
    buckets, at `ROW_FACTOR` times their rate and burst. `per_second` 0 lifts both."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.rows = TokenBuckets(DEFAULT_PER_SECOND * ROW_FACTOR, DEFAULT_BURST * ROW_FACTOR, now)
        super().__init__(DEFAULT_PER_SECOND, DEFAULT_BURST, now)

    def configure(self, per_second: float, burst: int | None = None) -> None:
        super().configure(per_second, burst)
        self.rows.configure(per_second * ROW_FACTOR, self.burst * ROW_FACTOR)


def ratelimit_headers(
    per_second: float, burst: int, remaining: float, reset_after: float
) -> dict[str, str]:
    """Tokopedia's X-Ratelimit-* headers (docs/MARKETPLACES.md#tokopedia-throttle);
    Reset-After is "-0.000000" while requests remain."""
    limit = f"{per_second:g} req/s (burst {burst})" if per_second > 0 else "unlimited"
    full = (burst - remaining) / per_second if per_second > 0 else 0.0
    return {
        "X-Ratelimit-Limit": limit,
        "X-Ratelimit-Remaining": str(max(0, math.floor(remaining))),
        "X-Ratelimit-Reset-After": f"{reset_after:.6f}" if reset_after > 0 else "-0.000000",
        "X-Ratelimit-Full-Reset-After": f"{max(0.0, full):.6f}",
    }


def bucket_headers(buckets: TokenBuckets, grant: Grant) -> dict[str, str]:
    """The X-Ratelimit-* headers of a bucket after `grant`."""
    return ratelimit_headers(buckets.per_second, buckets.burst, grant.remaining, grant.wait)
