"""Buyer simulator: random checkouts on in-stock variants, and life after checkout.

Each tick places one order on a random shop (some left pending: cash on delivery or bank
transfer not yet received), then maybe pays a pending order, cancels an unshipped one, or
marks a shipped one delivered. Runs in a daemon thread at a given rate (orders per
second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.shopify.orders import SHIPPED, OutOfStockError

if TYPE_CHECKING:
    from lapak.sandboxes.shopify.sandbox import ShopifySandbox
    from lapak.sandboxes.shopify.state import Order, Shop


class BuyerSimulator(Buyers):
    _sandbox: ShopifySandbox
    platform = "shopify"
    out_of_stock = (OutOfStockError,)

    def _stores(self) -> Mapping[str, Shop]:
        return self._sandbox.shops

    def _place(self, store: str, paid: bool) -> int:
        return self._sandbox.place_order(store, None, paid=paid).id

    def _move_on(self, shop: Shop) -> None:
        recent = list(self._recent(shop))
        pending = [o for o in recent if o.financial_status == "pending" and not o.cancelled_at]
        open_ = [o for o in recent if not o.cancelled_at and o.fulfillment_status is None]
        shipped = [o for o in recent if _undelivered(o)]
        for candidates, action, rate in (
            (pending, "pay", self.pay_rate),
            (open_, "cancel", self.cancel_rate),
            (shipped, "complete", self.progress_rate),
        ):
            if candidates and self._rng.random() < rate:
                self._sandbox.change_order(shop.name, self._rng.choice(candidates).id, action)


def _undelivered(order: Order) -> bool:
    return order.fulfillment_status in SHIPPED and order.closed_at is None
