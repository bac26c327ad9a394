"""`connectors.tokopedia.rows`: the allowance read from the headers, and the wait it gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lapak.connectors.tokopedia.rows import Allowance, RowPace, allowance


def test_the_allowance_is_read_from_the_headers_the_guide_shows() -> None:
    headers = {"X-Ratelimit-Limit": "100 req/s (burst 100)", "X-Ratelimit-Remaining": "37"}
    assert allowance(headers) == Allowance(100.0, 100, 37)
    assert allowance({"X-Ratelimit-Limit": "unlimited", "X-Ratelimit-Remaining": "0"}) is None
    assert allowance({}) is None


@given(
    per_second=st.floats(0.5, 1000),
    burst=st.integers(1, 500),
    left=st.integers(0, 500),
    rows=st.integers(1, 1000),
    since=st.floats(0, 10),
)
def test_after_the_wait_the_rows_fit_and_not_a_moment_sooner(
    per_second: float, burst: int, left: int, rows: int, since: float
) -> None:
    now = [100.0]
    pace = RowPace(lambda: now[0])
    pace.note(Allowance(per_second, burst, min(left, burst)))
    now[0] += since

    wait = pace.wait(rows)

    held = min(burst, min(left, burst) + (since + wait) * per_second)
    assert wait >= 0
    assert held >= min(rows, burst) - 1e-6  # they fit then
    if wait > 0:  # and had not yet, a little before
        earlier = min(left, burst) + (since + wait * 0.99) * per_second
        assert earlier < min(rows, burst)


def test_nothing_told_nothing_to_wait() -> None:
    assert RowPace(lambda: 0.0).wait(100) == 0.0
