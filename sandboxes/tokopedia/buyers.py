"""Buyer simulator: random checkouts on in-stock listings, and life after checkout.

Each tick places one order on a random shop (some left unpaid at 100), and moves a few
existing orders on: pays an unpaid one (→ 220), cancels one not yet accepted (→ 0),
delivers a shipped one (500 → 600) or finishes a delivered one (600 → 700). Accepting and
shipping are the seller's (Lapak's) job. Runs in a daemon thread at a given rate (orders
per second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.tokopedia import orders as life

if TYPE_CHECKING:
    from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox
    from lapak.sandboxes.tokopedia.state import Shop


class BuyerSimulator(Buyers):
    _sandbox: TokopediaSandbox
    platform = "tokopedia"
    out_of_stock = (life.OutOfStockError,)

    def _stores(self) -> Mapping[int, Shop]:
        return self._sandbox.shops

    def _place(self, store: int, paid: bool) -> int:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Shop) -> None:
        moves = (
            (life.PENDING, life.PAID, self.pay_rate, "buyer"),
            (life.PAID, life.SELLER_CANCEL, self.cancel_rate, "buyer"),
            (life.SHIPPED, life.DELIVERED, self.progress_rate, "system"),
            (life.DELIVERED, life.FINISHED, self.progress_rate, "system"),
        )
        for order, _, target, by in self._rolled(shop, moves):
            self._sandbox.change_status(shop, order, target, by=by)
