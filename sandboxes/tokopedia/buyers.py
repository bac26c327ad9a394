"""Buyer simulator: after checkout, buyers pay (100 → 220) or cancel (→ 0) and the
system delivers (500 → 600) and finishes (→ 700); accepting and shipping are Lapak's.
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
