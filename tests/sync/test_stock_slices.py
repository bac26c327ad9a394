"""`sync.stock_slices`: a pass's stock in slices of a round of write calls, without an extra
call."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from lapak.sync.protocol import ConnectorLimits
from lapak.sync.stock_check import StockRow
from lapak.sync.stock_slices import stock_slices, whole_calls
from lapak.sync.types import ListingRef, StockUpdate

PULLED = datetime(2026, 12, 7, tzinfo=UTC)
BASE = {
    "rate_per_second": 10, "burst": 10, "price_batch": 50,
    "order_detail_batch": 50, "order_page_size": 100, "order_window_days": 15,
}  # fmt: skip
LIMITS = [
    ConnectorLimits(**BASE, stock_batch=3),  # a call mixes any items (Lazada)
    ConnectorLimits(**BASE, stock_batch=3, sequential_stock_writes=True),  # (Tokopedia)
    ConnectorLimits(**BASE, stock_batch=3, batch_per_item=True),  # one item a call (Shopee)
    ConnectorLimits(**BASE, stock_batch=3, batch_per_item=True, singles_share_calls=True),
]

# items as sizes: 0 is a product without variants, n > 0 an item of n variants
items = st.lists(st.integers(min_value=0, max_value=5), max_size=12)


def _rows(sizes: list[int], first_id: int = 1) -> list[StockRow]:
    refs: list[ListingRef] = []
    for item, size in enumerate(sizes):
        if size == 0:
            refs.append(ListingRef(f"S{item}", str(item)))
        refs += [ListingRef(f"V{item}-{n}", str(item), f"{item}-{n}") for n in range(size)]
    return [
        StockRow(first_id + n, ref, desired=5, confirmed=n % 4 + 2, recheck=False, held_stock=None,
                 held_since=None)
        for n, ref in enumerate(refs)
    ]  # fmt: skip


@given(st.lists(items, max_size=3), st.sampled_from(LIMITS))
def test_slices_cover_every_due_row_once_in_order_and_never_split_a_per_item_batch(
    chunks: list[list[int]], limits: ConnectorLimits
) -> None:
    rows = [_rows(sizes, first_id=1_000 * n) for n, sizes in enumerate(chunks)]
    slices = list(stock_slices([(chunk, PULLED) for chunk in rows], limits))
    due = [row for chunk in rows for row in chunk if row.due]
    assert [row for piece in slices for row in piece.rows] == due
    size = limits.stock_batch * (1 if limits.sequential_stock_writes else limits.parallel_calls)
    for piece in slices:
        if not limits.batch_per_item:
            assert len(piece.rows) <= size
        else:  # up to a round's worth, and the rest of the item the round ends in
            assert len({row.ref.item_id for row in piece.rows[size:]}) <= 1
    if limits.batch_per_item:  # an item is read, planned and written in one slice
        item_slices = {(row.listing_id // 1_000, row.ref.item_id): n for n, piece in
                       enumerate(slices) for row in piece.rows}  # fmt: skip
        for n, piece in enumerate(slices):
            assert all(item_slices[(r.listing_id // 1_000, r.ref.item_id)] == n for r in piece.rows)


@given(items, st.sampled_from(LIMITS))
def test_whole_calls_send_full_calls_and_carry_less_than_one(
    sizes: list[int], limits: ConnectorLimits
) -> None:
    writes = [(row.listing_id, StockUpdate(row.ref, row.desired)) for row in _rows(sizes)]
    send, carried = whole_calls(writes, limits)
    assert sorted(send + carried) == sorted(writes)
    refs = [update.ref for _, update in send]
    batch = limits.stock_batch
    # what is sent now takes no more calls than a call per full batch of it
    if not limits.batch_per_item or limits.singles_share_calls:
        singles = [r for r in refs if not (limits.batch_per_item and r.variant_id)]
        assert len(singles) % batch == 0
    # what waits would not fill a call of its own
    assert limits.fewest_calls([update.ref for _, update in carried], batch) <= 1
    assert len(carried) < batch


def test_a_slice_is_a_round_of_write_calls_or_one_where_they_go_one_by_one() -> None:
    rows = [(_rows([0] * 40), PULLED)]  # rows 3, 7, 11… are not due: 30 are
    side_by_side = list(stock_slices(rows, LIMITS[0]))
    assert [len(piece.rows) for piece in side_by_side] == [12, 12, 6]  # 4 calls of 3
    one_by_one = list(stock_slices(rows, LIMITS[1]))
    assert [len(piece.rows) for piece in one_by_one] == [3] * 10
    assert all(piece.pulled_until == PULLED for piece in side_by_side + one_by_one)
