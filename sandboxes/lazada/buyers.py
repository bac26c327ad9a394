"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random seller (some left unpaid), and moves a few existing
orders on: pays an unpaid one, cancels a pending one, hands a ready-to-ship parcel to the
courier (shipped) or delivers a shipped one. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.lazada.state import (
    CANCELED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    SHIPPED,
    UNPAID,
)

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox
    from lapak.sandboxes.lazada.state import Seller


class BuyerSimulator(Buyers):
    _sandbox: LazadaSandbox
    platform = "lazada"
    out_of_stock = (LookupError, ValueError)

    def _stores(self) -> Mapping[str, Seller]:
        return self._sandbox.sellers

    def _place(self, store: str, paid: bool) -> int:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, seller: Seller) -> None:
        moves = (
            (UNPAID, PENDING, self.pay_rate, "buyer"),
            (PENDING, CANCELED, self.cancel_rate, "buyer"),
            (READY_TO_SHIP, SHIPPED, self.progress_rate, "system"),
            (SHIPPED, DELIVERED, self.progress_rate, "system"),
        )
        # an order's items move one by one: it stands in every status one of its items is in
        for order, source, target, _ in self._rolled(seller, moves, lambda o: set(o.statuses)):
            items = [i for i in order.items if i.status == source]
            moved = self._sandbox.move_items(seller, order, items, target)
            if target == CANCELED:
                for item in moved:
                    item.cancel_return_initiator = "buyer-cancel"
