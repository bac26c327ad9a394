"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random seller (some left unpaid), and moves a few existing
orders on: pays an unpaid one, cancels a pending one, hands a ready-to-ship parcel to the
courier (shipped) or delivers a shipped one. An order's items move one by one: it stands
in every status one of its items is in, and a move takes its items in that status. Runs in
a daemon thread at a given rate (orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Status
from lapak.sandboxes.kit.orders import Order as KitOrder
from lapak.sandboxes.lazada.state import (
    CANCELED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    SHIPPED,
    UNPAID,
    Order,
)

if TYPE_CHECKING:
    from lapak.sandboxes.lazada.sandbox import LazadaSandbox
    from lapak.sandboxes.lazada.state import Seller


class BuyerSimulator(StoreBuyers):
    _sandbox: LazadaSandbox
    platform = "lazada"
    moves = (
        (UNPAID, PENDING, "pay_rate", "buyer"),
        (PENDING, CANCELED, "cancel_rate", "buyer"),
        (READY_TO_SHIP, SHIPPED, "progress_rate", "system"),
        (SHIPPED, DELIVERED, "progress_rate", "system"),
    )

    def _move(self, shop: Seller, order: KitOrder, source: Status, target: Status, by: str) -> None:
        items = [i for i in cast(Order, order).items if i.status == source]
        moved = self._sandbox.move_items(shop, cast(Order, order), items, str(target))
        if target == CANCELED:
            for item in moved:
                item.cancel_return_initiator = "buyer-cancel"
