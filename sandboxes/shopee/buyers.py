"""Buyer simulator: random checkouts on in-stock listings, and life after checkout.

Each tick places one order on a random shop (some left UNPAID), and moves a few existing
orders on: pays an unpaid one, cancels a not-yet-shipped one, hands a PROCESSED parcel to
the courier (SHIPPED) or completes a SHIPPED one. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.shopee.orders import OutOfStockError

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
    from lapak.sandboxes.shopee.state import Shop


class BuyerSimulator(Buyers):
    _sandbox: ShopeeSandbox
    platform = "shopee"
    out_of_stock = (OutOfStockError,)

    def _stores(self) -> Mapping[int, Shop]:
        return self._sandbox.shops

    def _place(self, store: int, paid: bool) -> str:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Shop) -> None:
        moves = (
            ("UNPAID", "READY_TO_SHIP", self.pay_rate, "buyer"),
            ("READY_TO_SHIP", "CANCELLED", self.cancel_rate, "buyer"),
            ("PROCESSED", "SHIPPED", self.progress_rate, "system"),
            ("SHIPPED", "COMPLETED", self.progress_rate, "system"),
        )
        for order, _, target, by in self._rolled(shop, moves):
            self._sandbox.change_status(shop, order, target, by=by)
