"""A platform's own bucket, paced by what its answers state of it.

Some limits are not a fixed pace Lapak can keep on its own side: Tokopedia counts every
row of a bulk call against a limit it does not publish but states in each answer's headers;
Shopify's GraphQL Admin API spends cost points from a bucket each answer reports
(`extensions.cost.throttleStatus`). Such a bucket is shared by every process of the app,
and the platform knows it best, so each answer's statement is kept and the next call waits
until its cost fits what the bucket will hold by then. A refusal stays for what no answer
foretold (the first call, other processes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Allowance:
    """One answer's statement of a bucket: its refill rate and size, and what is left."""

    per_second: float
    burst: float
    remaining: float


class StatedPace:
    """The last allowance an answer stated, and the wait the next call's cost needs."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last: Allowance | None = None
        self._at = 0.0

    def note(self, told: Allowance | None) -> None:
        if told is not None:
            self._last, self._at = told, self._clock()

    def wait(self, cost: float) -> float:
        """Seconds until `cost` (at most a full bucket) fits in the bucket, as it refills at
        its rate since the last answer; 0 when nothing is known."""
        last = self._last
        if last is None:
            return 0.0
        held = min(last.burst, last.remaining + (self._clock() - self._at) * last.per_second)
        return max(0.0, (min(cost, last.burst) - held) / last.per_second)
