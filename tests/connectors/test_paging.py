"""The connector kit's paginators (connectors/kit/paging.py): windows tile their range, every
page is fetched once and in order, and a list ends where its platform says it does."""

from __future__ import annotations

import gc
import itertools
import math
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lapak.connectors.kit.paging import (
    Window,
    creation_windows,
    first_seen,
    next_link_param,
    numbered_pages,
    offset_pages,
    pages,
    time_windows,
    token_pages,
)
from lapak.sync.protocol import TransientError


@given(
    start=st.floats(min_value=1e9, max_value=2e9),
    length=st.floats(min_value=-1e4, max_value=1e5),
    span=st.integers(1, 40 * 86400),
    half_open=st.booleans(),
)
def test_windows_tile_the_range_without_gap_or_overlap(
    start: float, length: float, span: int, half_open: bool
) -> None:
    """`length` seconds from `start` (negative: until before since)."""
    since = datetime.fromtimestamp(start, UTC)
    until = datetime.fromtimestamp(start + length, UTC)
    windows = time_windows(since, until, span, half_open=half_open)
    first = math.floor(since.timestamp())
    end = math.floor(until.timestamp()) + 1 if half_open else math.ceil(until.timestamp())
    if end <= first:
        assert windows == []
        return
    assert windows[0][0] == first and windows[-1][1] == end
    assert all(0 < stop - begin <= span for begin, stop in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert len(windows) == math.ceil((end - first) / span)


def test_windows_of_shopees_fifteen_days_round_until_up() -> None:
    since = datetime(2024, 1, 1, tzinfo=UTC)
    until = since + timedelta(days=40, seconds=0.5)
    windows = time_windows(since, until, 15 * 86400 - 1)
    assert windows[-1][1] == int(until.timestamp()) + 1  # rounded up, never cut short
    assert len(windows) == 3
    assert time_windows(since, since, 100) == []


def test_half_open_windows_end_after_until() -> None:
    since = datetime.fromtimestamp(1000.7, UTC)
    until = datetime.fromtimestamp(1250.2, UTC)
    assert time_windows(since, until, 100, half_open=True) == [
        (1000, 1100),
        (1100, 1200),
        (1200, 1251),
    ]
    assert time_windows(until, since, 100, half_open=True) == []


class Server:
    """A paged list of `items`, counting the pages it is asked for."""

    def __init__(self, items: list[int]) -> None:
        self.items = items
        self.asked: list[dict[str, Any]] = []

    def slice(self, start: int, size: int) -> list[int]:
        return self.items[start : start + size]


@given(count=st.integers(0, 60), size=st.integers(1, 7), tell_last=st.booleans())
def test_numbered_pages_read_every_item_once(count: int, size: int, tell_last: bool) -> None:
    server = Server(list(range(count)))
    last = max(1, math.ceil(count / size)) if tell_last else None

    def fetch(query: dict[str, Any]) -> tuple[list[int], int | None]:
        server.asked.append(query)
        return server.slice((query["page"] - 1) * size, size), last

    read = [item for page in numbered_pages(fetch, {"per_page": size}, size) for item in page]
    assert read == server.items
    numbers = [query["page"] for query in server.asked]
    # Unknown, a full last page is known last only when the next one comes back empty.
    expected = max(1, math.ceil(count / size)) if tell_last else count // size + 1
    assert numbers == list(range(1, expected + 1))
    assert all(query["per_page"] == size for query in server.asked)


def test_numbered_pages_follow_the_told_last_page_past_a_short_one() -> None:
    answers = {1: [1, 2], 2: [3], 3: [4, 5]}
    read = numbered_pages(lambda query: (answers[query["page"]], 3), {}, 2)
    assert [item for page in read for item in page] == [1, 2, 3, 4, 5]


@given(count=st.integers(0, 60), limit=st.integers(1, 7), claimed=st.integers(0, 10))
def test_offset_pages_read_every_item_once(count: int, limit: int, claimed: int) -> None:
    """`claimed` extra items in the total: a total that overstates ends on an empty page."""
    server = Server(list(range(count)))

    def fetch(query: dict[str, Any]) -> list[int]:
        server.asked.append(query)
        return server.slice(query["offset"], limit)

    read = offset_pages(fetch, {"limit": limit}, lambda page: page, lambda _: count + claimed)
    assert [item for page in read for item in page] == server.items
    offsets = [query["offset"] for query in server.asked]
    assert offsets == sorted(set(offsets)) and offsets[0] == 0
    full = math.ceil(count / limit)
    assert len(offsets) == (full + 1 if claimed else max(1, full))


@given(count=st.integers(1, 20), last_token=st.sampled_from([None, ""]))
def test_token_pages_follow_each_token_once(count: int, last_token: str | None) -> None:
    tokens = [f"t{n}" for n in range(1, count)] + [last_token]
    asked: list[str | None] = []

    def fetch(query: dict[str, Any]) -> tuple[int, str | None]:
        asked.append(query.get("cursor"))
        number = len(asked) - 1
        return number, tokens[number]

    def next_token(page: tuple[int, str | None]) -> str | None:
        return page[1] or None

    read = token_pages(fetch, {"size": 5}, "cursor", next_token, stuck="stuck")
    assert [number for number, _ in read] == list(range(count))
    assert asked == [None, *tokens[:-1]]


@pytest.mark.parametrize("again", ["", "t1"])
def test_a_token_that_does_not_move_on_is_transient(again: str) -> None:
    answers = iter(["t1", again])
    read = token_pages(lambda query: next(answers), {}, "cursor", lambda page: page, stuck="stuck")
    with pytest.raises(TransientError, match="stuck"):
        list(read)


def test_without_a_stuck_message_a_repeated_token_ends_the_list() -> None:
    answers = iter(["t1", "t1", "t2"])
    read = token_pages(lambda query: next(answers), {}, "cursor", lambda page: page, stuck=None)
    assert list(read) == ["t1", "t1"]


def test_pages_fetch_nothing_until_asked() -> None:
    asked: list[int] = []

    def fetch(query: int) -> int:
        asked.append(query)
        return query

    read = pages(fetch, 0, lambda page, query: query + 1 if query < 5 else None)
    assert next(read) == 0 and asked == [0]
    assert list(read) == [1, 2, 3, 4, 5] and asked == [0, 1, 2, 3, 4, 5]


def test_the_next_page_info_is_read_from_the_link_header() -> None:
    link = (
        "<https://s.myshopify.com/admin/api/2024-07/orders.json?limit=250&page_info=abc>; "
        'rel="previous", '
        "<https://s.myshopify.com/admin/api/2024-07/orders.json?limit=250&page_info=def>; "
        'rel="next"'
    )
    assert next_link_param(link, "page_info") == "def"
    assert next_link_param(link.split(", ")[0], "page_info") is None
    assert next_link_param(None, "page_info") is None


@given(st.lists(st.integers(0, 9)))
def test_first_seen_keeps_each_item_once_in_first_seen_order(items: list[int]) -> None:
    assert list(first_seen(items)) == list(dict.fromkeys(items))


def test_first_seen_compares_by_key_and_reads_lazily() -> None:
    read: list[tuple[str, int]] = []

    def rows() -> Any:
        for row in [("a", 1), ("b", 2), ("a", 3), ("c", 4)]:
            read.append(row)
            yield row

    unique = first_seen(rows(), key=lambda row: row[0])
    assert next(unique) == ("a", 1) and read == [("a", 1)]
    assert list(unique) == [("b", 2), ("c", 4)]


class _Page:
    """A page of a list capped at `CAP` results: the items of the window it was read for."""

    def __init__(self, items: list[int], total: int) -> None:
        self.items, self.total = items, total


CAP = 3


def _capped_list(created: list[int]) -> tuple[Any, list[Window | None]]:
    """`read` over items created at these seconds, pages of 2, and the windows it was asked."""
    asked: list[Window | None] = []

    def read(window: Window | None) -> Iterator[_Page]:
        asked.append(window)
        lo, hi = window or (min(created), max(created))
        inside = [at for at in created if lo <= at <= hi]
        for start in range(0, max(len(inside), 1), 2):
            yield _Page(inside[start : start + 2], len(inside))

    return read, asked


@given(
    created=st.lists(st.integers(0, 64), min_size=1, max_size=40),
    shared=st.booleans(),
)
def test_creation_windows_read_every_item_in_creation_order(
    created: list[int], shared: bool
) -> None:
    created.sort()
    # the narrowest window: one second, or two when the halves share their middle one
    narrowest = max(sum(at <= x <= at + shared for x in created) for at in created)
    assume(narrowest <= CAP)
    read, asked = _capped_list(created)
    pages = creation_windows(
        read, lambda page: page.total <= CAP, (0, 64), shared_boundary=shared, too_dense="dense"
    )
    items = [item for page in pages for item in page.items]
    seen_once = list(first_seen(enumerate(items), key=lambda pair: pair[1]))
    if shared:  # halves share their middle second: the caller drops what comes twice
        assert sorted({*items}) == sorted({*created})
        assert [at for _, at in seen_once] == sorted({*created})
    else:
        assert items == created
    assert asked[0] is None and (len(asked) == 1) == (len(created) <= CAP)


def test_a_split_windows_first_page_is_let_go_before_its_halves_are_read() -> None:
    """A scan of 100,000 products on TikTok Shop halves its window some twenty times: a page
    held per level was most of the scan's memory."""
    read, _ = _capped_list(list(range(64)))
    split: list[weakref.ref[_Page]] = []
    held_while_reading: list[int] = []

    def watched(window: Window | None) -> Iterator[_Page]:
        gc.collect()
        held_while_reading.append(sum(page() is not None for page in split))
        for page in read(window):
            if page.total > CAP:
                split.append(weakref.ref(page))
            yield page

    pages = creation_windows(
        watched, lambda page: page.total <= CAP, (0, 63), shared_boundary=False, too_dense="d"
    )
    assert [item for page in pages for item in page.items] == list(range(64))
    assert len(split) > 5 and max(held_while_reading) == 0


@pytest.mark.parametrize("shared", [False, True])
def test_a_window_too_dense_to_split_is_transient(shared: bool) -> None:
    read, asked = _capped_list([7] * 5)
    with pytest.raises(TransientError, match="more than 3 in 1 s"):
        list(
            creation_windows(
                read,
                lambda page: page.total <= CAP,
                (0, 15),
                shared_boundary=shared,
                too_dense="more than 3 in 1 s",
            )
        )
    assert asked[-1] in ((7, 7), (7, 8), (6, 7))
