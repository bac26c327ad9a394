"""How long a listing whose push failed transiently waits before it is tried again.

Per item, not per store: an item whose image cannot be downloaded yet must not make every
push of its store fail and be sent again (docs/rules.md, rule 7: failures are classified
and held where they belong). Exponential from `FIRST` to `LAST`, with jitter so the items
of one failed batch do not all come back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

FIRST = timedelta(seconds=1)
"""The first retry comes soon: most transient refusals (a 5xx, an image host's hiccup) are
gone a second later; an image that is not there yet makes the waits grow from there."""
LAST = timedelta(minutes=10)
JITTER = 0.2
"""Each delay is drawn from ±20 % around its exponential value (never beyond `LAST`)."""


def retry_delay(attempt: int, rand: Callable[[], float] = random.random) -> timedelta:
    """The wait after the `attempt`-th failure in a row (1 for the first)."""
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, not {attempt}")
    doublings = min(attempt - 1, 16)  # 1 s · 2^10 already passes LAST
    base = min(FIRST.total_seconds() * 2**doublings, LAST.total_seconds())
    spread = base * JITTER * (2 * rand() - 1)
    return timedelta(seconds=min(base + spread, LAST.total_seconds()))
