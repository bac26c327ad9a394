"""An in-memory marketplace implementing `sync.protocol.Connector`, for engine tests.

It keeps items and orders like a store would and records every batch call, so tests can
assert on batching and on what was pushed; `fail_skus` makes single items fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from lapak.sync.protocol import ConnectorLimits, PermanentError
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    RemoteOrder,
    StockUpdate,
    TokenSet,
    WebhookEvent,
)


class MemoryConnector:
    platform = "memory"
    limits = ConnectorLimits(
        rate_per_second=100,
        burst=100,
        stock_batch=50,
        price_batch=50,
        order_detail_batch=50,
        order_page_size=100,
        order_window_days=15,
    )

    def __init__(self) -> None:
        self.listings: dict[str, RemoteListing] = {}
        self.orders: dict[str, RemoteOrder] = {}
        self.calls: list[tuple[str, int]] = []
        self.fail_skus: dict[str, bool] = {}
        """sku → permanent? for items that fail."""
        self.shipped: dict[str, str] = {}
        self._ids = itertools.count(1000)

    def _fail(self, sku: str) -> ItemResult | None:
        if sku in self.fail_skus:
            return ItemResult.failure(sku, "refused by test", permanent=self.fail_skus[sku])
        return None

    def scan_listings(self) -> Iterator[RemoteListing]:
        self.calls.append(("scan", len(self.listings)))
        yield from list(self.listings.values())

    def read_stock(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        self.calls.append(("read_stock", len(refs)))
        return [self.listings[r.sku] for r in refs if r.sku in self.listings]

    def upsert_listings(self, drafts: Sequence[ListingDraft]) -> list[ItemResult]:
        self.calls.append(("upsert", len(drafts)))
        results = []
        for draft in drafts:
            failed = self._fail(draft.sku)
            if failed:
                results.append(failed)
                continue
            ref = draft.ref or ListingRef(draft.sku, str(next(self._ids)))
            self.listings[draft.sku] = RemoteListing(ref, draft.stock, draft.price, draft.name)
            results.append(ItemResult.success(draft.sku, ref))
        return results

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[ItemResult]:
        self.calls.append(("stock", len(updates)))
        results = []
        for update in updates:
            failed = self._fail(update.ref.sku)
            if failed:
                results.append(failed)
                continue
            old = self.listings[update.ref.sku]
            self.listings[update.ref.sku] = RemoteListing(old.ref, update.stock, old.price)
            results.append(ItemResult.success(update.ref.sku, update.ref))
        return results

    def update_prices(self, updates: Sequence[PriceUpdate]) -> list[ItemResult]:
        self.calls.append(("price", len(updates)))
        results = []
        for update in updates:
            old = self.listings[update.ref.sku]
            self.listings[update.ref.sku] = RemoteListing(old.ref, old.stock, update.price)
            results.append(ItemResult.success(update.ref.sku, update.ref))
        return results

    def list_order_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        for order in self.orders.values():
            if since <= order.updated_at <= until:
                yield order.external_id

    def get_orders(self, external_ids: Sequence[str]) -> list[RemoteOrder]:
        assert len(external_ids) <= self.limits.order_detail_batch
        return [self.orders[i] for i in external_ids if i in self.orders]

    def ship_order(self, external_id: str, tracking_number: str) -> str | None:
        if external_id not in self.orders:
            raise PermanentError(f"order {external_id} not found")
        self.shipped[external_id] = tracking_number

    def verify_webhook(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        return False

    def parse_webhook(self, body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
        raise PermanentError("no webhooks")

    def refresh_token(self, current: TokenSet | None) -> TokenSet:
        raise PermanentError("no tokens")

    def close(self) -> None:
        return None

    def stock_of(self, sku: str) -> int:
        return self.listings[sku].stock

    def price_of(self, sku: str) -> Decimal | None:
        return self.listings[sku].price
