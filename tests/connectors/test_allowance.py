"""`connectors.kit.allowance`: the wait a bucket's stated allowance gives; the allowances
Tokopedia's headers and Shopify's GraphQL cost state."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lapak.connectors.kit.allowance import Allowance, StatedPace
from lapak.connectors.tokopedia.rows import allowance


def test_tokopedias_allowance_is_read_from_the_headers_the_guide_shows() -> None:
    headers = {"X-Ratelimit-Limit": "100 req/s (burst 100)", "X-Ratelimit-Remaining": "37"}
    assert allowance(headers) == Allowance(100.0, 100, 37)
    assert allowance({"X-Ratelimit-Limit": "unlimited", "X-Ratelimit-Remaining": "0"}) is None
    assert allowance({}) is None


@given(
    per_second=st.floats(0.5, 1000),
    burst=st.integers(1, 500),
    left=st.integers(0, 500),
    cost=st.integers(1, 1000),
    since=st.floats(0, 10),
)
def test_after_the_wait_the_cost_fits_and_not_a_moment_sooner(
    per_second: float, burst: int, left: int, cost: int, since: float
) -> None:
    now = [100.0]
    pace = StatedPace(lambda: now[0])
    pace.note(Allowance(per_second, burst, min(left, burst)))
    now[0] += since

    wait = pace.wait(cost)

    held = min(burst, min(left, burst) + (since + wait) * per_second)
    assert wait >= 0
    assert held >= min(cost, burst) - 1e-6  # they fit then
    if wait > 0:  # and had not yet, a little before
        earlier = min(left, burst) + (since + wait * 0.99) * per_second
        assert earlier < min(cost, burst)


def test_nothing_told_nothing_to_wait() -> None:
    assert StatedPace(lambda: 0.0).wait(100) == 0.0
