"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random shop (some left UNPAID), and moves a few existing
orders on: pays an unpaid one, cancels one awaiting shipment, and carries a shipped parcel
along AWAITING_COLLECTION → IN_TRANSIT → DELIVERED → COMPLETED. Runs in a daemon thread at a
given rate (orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.tiktok.orders import OutOfStockError

if TYPE_CHECKING:
    from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
    from lapak.sandboxes.tiktok.state import Shop


class BuyerSimulator(Buyers):
    _sandbox: TikTokSandbox
    platform = "tiktok"
    out_of_stock = (OutOfStockError,)

    def _stores(self) -> Mapping[str, Shop]:
        return self._sandbox.shops

    def _place(self, store: str, paid: bool) -> str:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Shop) -> None:
        moves = (
            ("UNPAID", "AWAITING_SHIPMENT", self.pay_rate, "BUYER"),
            ("AWAITING_SHIPMENT", "CANCELLED", self.cancel_rate, "BUYER"),
            ("AWAITING_COLLECTION", "IN_TRANSIT", self.progress_rate, "SYSTEM"),
            ("IN_TRANSIT", "DELIVERED", self.progress_rate, "SYSTEM"),
            ("DELIVERED", "COMPLETED", self.progress_rate, "SYSTEM"),
        )
        for order, _, target, by in self._rolled(shop, moves):
            self._sandbox.move_order(shop, order, target, by=by)
