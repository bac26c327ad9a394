"""Buyer simulator: random checkouts on in-stock products, and life after checkout.

Each tick places one order on a random store (some left unpaid, as with a bank transfer
not made yet), and moves a few existing orders on: pays a pending one, or cancels a
pending one (WooCommerce cancels unpaid orders after its "Hold stock" minutes). Shipping
is the seller's (Lapak's) job, not the buyers'. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.kit.catalog import Id
from lapak.sandboxes.woocommerce import orders as order_life

if TYPE_CHECKING:
    from lapak.sandboxes.woocommerce.sandbox import WooSandbox
    from lapak.sandboxes.woocommerce.state import Shop


class BuyerSimulator(Buyers):
    _sandbox: WooSandbox
    platform = "woocommerce"
    out_of_stock = (order_life.OutOfStockError,)

    def _stores(self) -> Mapping[str, Shop]:
        return self._sandbox.stores

    def _place(self, store: str, paid: bool) -> Id:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Shop) -> None:
        pending = [o for o in self._recent(shop) if o.status == "pending"]
        for action, rate in (("pay", self.pay_rate), ("cancel", self.cancel_rate)):
            if pending and self._rng.random() < rate:
                order = pending.pop(self._rng.randrange(len(pending)))
                self._sandbox.change_order(shop.name, order.id, action)
