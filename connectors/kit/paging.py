"""Paginators: a marketplace list read page by page, the loop written once.

Each takes `fetch(query)`, the call that reads one page, and yields the pages in order,
every page fetched once and none after the last; the platform says only where its cursor
goes in the query and how a page names the next. `time_windows` splits a long range for
the platforms that cap the span of one order query (docs/MARKETPLACES.md, each platform's
"orders" section); `creation_windows` reads a list that refuses deep pages in windows of
creation time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence, Sized
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from lapak.sync.protocol import TransientError

P = TypeVar("P")
Q = TypeVar("Q")
T = TypeVar("T")

Query = dict[str, Any]

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="?next"?')


def time_windows(
    since: datetime, until: datetime, span: int, *, half_open: bool = False
) -> list[tuple[int, int]]:
    """[since, until] as consecutive (start, stop) unix-second windows of at most `span`
    seconds, each starting where the one before stopped. Together they run from since's
    second to until's rounded up or, `half_open`, to the second after until's (for an
    exclusive upper bound such as TikTok's `update_time_lt`). None when until is not later.

    A platform whose bounds are both inclusive lists an order on a shared boundary second
    in both windows; callers de-duplicate rather than miss it."""
    start = math.floor(since.timestamp())
    end = math.floor(until.timestamp()) + 1 if half_open else math.ceil(until.timestamp())
    return [(at, min(at + span, end)) for at in range(start, end, span)]


def first_seen(items: Iterable[T], key: Callable[[T], Hashable] = lambda item: item) -> Iterator[T]:
    """Each item once, the first time its `key` comes: a list read in overlapping windows or
    pages (a shared boundary second, a page that moved under the reader) names some twice."""
    seen: set[Hashable] = set()
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            yield item


def pages(fetch: Callable[[Q], P], first: Q, following: Callable[[P, Q], Q | None]) -> Iterator[P]:
    """`fetch(first)`, then each page's `following(page, query)`: the next page's query, or
    None when that page was the last."""
    query: Q | None = first
    while query is not None:
        page = fetch(query)
        yield page
        query = following(page, query)


def token_pages(
    fetch: Callable[[Query], P],
    params: Mapping[str, Any],
    key: str,
    next_token: Callable[[P], Any],
    *,
    stuck: str | None,
) -> Iterator[P]:
    """The pages of a list paged by a cursor or page token: `params` first, then with each
    page's `next_token(page)` as `key`. None ends the list. A token that does not move on
    (empty, or the one just sent) raises `TransientError(stuck)`, or ends the list when
    `stuck` is None."""

    def following(page: P, query: Query) -> Query | None:
        token = next_token(page)
        if token is None:
            return None
        if token and token != query.get(key):
            return {**query, key: token}
        if stuck is None:
            return None
        raise TransientError(stuck)

    return pages(fetch, dict(params), following)


def numbered_pages(
    fetch: Callable[[Query], tuple[Sequence[T], int | None]],
    params: Mapping[str, Any],
    size: int,
    key: str = "page",
) -> Iterator[Sequence[T]]:
    """The items of pages 1, 2, … of a list paged by number (`key` in the query), `size`
    items to a full page. `fetch` answers a page's items and the number of the last page
    when the platform tells it (WooCommerce's `X-WP-TotalPages`), else None. The list ends
    with an empty page, the last page, or, the last one unknown, a short page."""

    def following(page: tuple[Sequence[T], int | None], query: Query) -> Query | None:
        items, last = page
        number = query[key]
        if not items or (number >= last if last is not None else len(items) < size):
            return None
        return {**query, key: number + 1}

    for items, _ in pages(fetch, {**params, key: 1}, following):
        yield items


def offset_pages(
    fetch: Callable[[Query], P],
    params: Mapping[str, Any],
    items: Callable[[P], Sized],
    total: Callable[[P], int],
    key: str = "offset",
) -> Iterator[P]:
    """The pages of a list paged by offset (`key` in the query, from 0), each page's offset
    past the items read before it. The list ends with an empty page or once `total(page)`
    items are read."""

    def following(page: P, query: Query) -> Query | None:
        count = len(items(page))
        read = query[key] + count
        if not count or read >= total(page):
            return None
        return {**query, key: read}

    return pages(fetch, {**params, key: 0}, following)


Window = tuple[int, int]


def creation_windows(
    read: Callable[[Window | None], Iterator[P]],
    fits: Callable[[P], bool],
    span: Window,
    *,
    shared_boundary: bool,
    too_dense: str,
) -> Iterator[P]:
    """The pages of a list whose deep pages the platform refuses (Lazada's offsets and
    TikTok Shop's search stop at 10,000 results): `read(None)` reads it whole, `read(window)`
    the items created within the window (unix seconds, both ends included). When a read's
    first page does not `fit`, its window (`span` for the whole list) is read as two halves
    instead, each split again until it fits, earliest first. With `shared_boundary` the
    halves share their middle second (the platform's bounds are inclusive at a coarser
    grain), and the caller drops the items seen twice (`first_seen`). A window that cannot
    be split any more raises `TransientError(too_dense)`.

    The windows wait on a stack rather than in recursion: a split window's first page is
    let go before its halves are read (recursion held one page per level, about 28 MB at
    20,000 products on TikTok Shop)."""
    waiting: list[Window | None] = [None]
    while waiting:
        window = waiting.pop()
        pages = read(window)
        first = next(pages, None)
        if first is None:
            continue
        if fits(first):
            yield first
            yield from pages
            continue
        del first, pages  # let go before the halves are read
        start, end = window or span
        if end - start <= (1 if shared_boundary else 0):
            raise TransientError(too_dense)
        middle = (start + end) // 2
        waiting += [(middle if shared_boundary else middle + 1, end), (start, middle)]


def next_link_param(link: str | None, name: str) -> str | None:
    """The `name` query value of the rel="next" URL in a Link header (Shopify's
    `page_info`), or None on the last page."""
    found = NEXT_LINK.search(link or "")
    values = parse_qs(urlsplit(found[1]).query).get(name) if found else None
    return values[0] if values else None
