"""The per-item retry delay: exponential from 5 s to 10 min, jittered, never beyond."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lapak.sync.retry_backoff import FIRST, JITTER, LAST, retry_delay

draws = st.floats(min_value=0, max_value=1, exclude_max=True)


@given(attempt=st.integers(min_value=1, max_value=10_000), rand=draws)
def test_every_delay_lies_within_the_jitter_of_its_step_and_the_bounds(
    attempt: int, rand: float
) -> None:
    delay = retry_delay(attempt, lambda: rand)
    step = min(FIRST * 2 ** min(attempt - 1, 16), LAST)
    assert step * (1 - JITTER) <= delay <= min(step * (1 + JITTER), LAST)
    assert FIRST * (1 - JITTER) <= delay <= LAST


@given(attempt=st.integers(min_value=1, max_value=50))
def test_without_jitter_each_failure_waits_at_least_as_long_as_the_last(attempt: int) -> None:
    middle = lambda: 0.5  # noqa: E731 (no jitter)
    assert retry_delay(attempt + 1, middle) >= retry_delay(attempt, middle)
    assert retry_delay(1, middle) == FIRST == timedelta(seconds=1)
    assert retry_delay(11, middle) == LAST == timedelta(minutes=10)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        retry_delay(0)
