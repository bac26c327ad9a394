"""`ConnectorLimits.fewest_calls`: the batching rules every connector is held to."""

from __future__ import annotations

from lapak.sync.protocol import ConnectorLimits
from lapak.sync.types import ListingRef

BASE = {
    "rate_per_second": 10, "burst": 10, "stock_batch": 50, "price_batch": 50,
    "order_detail_batch": 50, "order_page_size": 100, "order_window_days": 15,
}  # fmt: skip
# 120 singles and one item of 60 variants
REFS = [ListingRef(f"S{n}", f"{n}") for n in range(120)] + [
    ListingRef(f"V{n}", "9999", f"{n}") for n in range(60)
]


def test_store_wide_batches_mix_any_items() -> None:
    assert ConnectorLimits(**BASE).fewest_calls(REFS, 50) == 4  # 180 / 50


def test_per_item_batches_cover_one_item_each() -> None:
    assert ConnectorLimits(**BASE, batch_per_item=True).fewest_calls(REFS, 50) == 122


def test_per_item_batches_where_singles_share_calls() -> None:
    limits = ConnectorLimits(**BASE, batch_per_item=True, singles_share_calls=True)
    assert limits.fewest_calls(REFS, 50) == 3 + 2  # 120 singles / 50, then 60 variants / 50
