"""Bulk rows paced by what Tokopedia's answers say of their limit.

Tokopedia counts each row of a bulk call (stock, price) as one request against a limit it
does not publish (docs/MARKETPLACES.md#tokopedia-rate-limits) but states in every answer's
X-Ratelimit-* headers: "100 req/s (burst 100)" and how many are left. A row over the limit
is refused alone (ERR_TOO_MANY_REQUEST) and must be sent again, which costs a call. So once
an answer has told the limit, the next bulk call to that endpoint waits until its rows fit
in what the bucket will hold by then; the refusal and the resend stay for what no answer
foretold (the first call, other processes on the same app).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

LIMIT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*req/s\s*\(burst\s+([0-9]+)\)")


@dataclass(frozen=True, slots=True)
class Allowance:
    """One answer's X-Ratelimit-* headers: the bucket's rate and burst, and what is left."""

    per_second: float
    burst: int
    remaining: int


def allowance(headers: Mapping[str, str]) -> Allowance | None:
    """The allowance the headers state, or None (no limit stated, or not in that form)."""
    match = LIMIT.match(headers.get("X-Ratelimit-Limit", ""))
    remaining = headers.get("X-Ratelimit-Remaining", "").strip()
    if match is None or not remaining.isdigit() or float(match[1]) <= 0:
        return None
    return Allowance(float(match[1]), int(match[2]), int(remaining))


class RowPace:
    """The last allowance of one bulk endpoint, and the wait its next call's rows need."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last: Allowance | None = None
        self._at = 0.0

    def note(self, told: Allowance | None) -> None:
        if told is not None:
            self._last, self._at = told, self._clock()

    def wait(self, rows: int) -> float:
        """Seconds until `rows` (at most a burst) fit in the bucket, as it refills at its
        rate since the last answer; 0 when nothing is known."""
        last = self._last
        if last is None:
            return 0.0
        held = min(last.burst, last.remaining + (self._clock() - self._at) * last.per_second)
        return max(0.0, (min(rows, last.burst) - held) / last.per_second)
