"""Per-app, per-endpoint token buckets (docs/MARKETPLACES.md#tokopedia-rate-limits).

Bulk endpoints count each row; their rows get `ROW_FACTOR` times the call rate and burst
(the sandbox's guess: docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from collections.abc import Callable

from lapak.sandboxes.kit.ratelimit import Grant, TokenBuckets
from lapak.sandboxes.tokopedia.wire import ratelimit_headers

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


def bucket_headers(buckets: TokenBuckets, grant: Grant) -> dict[str, str]:
    """The X-Ratelimit-* headers of a bucket after `grant`."""
    return ratelimit_headers(buckets.per_second, buckets.burst, grant.remaining, grant.wait)
