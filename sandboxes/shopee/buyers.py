"""Buyer simulator: random checkouts on in-stock listings, and life after checkout.

Each tick places one order on a random shop (some left UNPAID), and moves a few existing
orders on: pays an unpaid one, cancels a not-yet-shipped one, hands a PROCESSED parcel to
the courier (SHIPPED) or completes a SHIPPED one. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.shopee.orders import OutOfStockError

if TYPE_CHECKING:
    from sandboxes.shopee.sandbox import ShopeeSandbox
    from sandboxes.shopee.state import Shop


class BuyerSimulator(BuyerLoop):
    platform = "shopee"

    def __init__(
        self,
        sandbox: ShopeeSandbox,
        *,
        seed: int = 0,
        unpaid_rate: float = 0.2,
        pay_rate: float = 0.5,
        cancel_rate: float = 0.05,
        progress_rate: float = 0.3,
    ) -> None:
        self._sandbox = sandbox
        self._rng = random.Random(seed + 1)
        self.unpaid_rate = unpaid_rate
        self.pay_rate = pay_rate
        self.cancel_rate = cancel_rate
        self.progress_rate = progress_rate
        super().__init__()
        self.placed = 0

    def place_one(self, shop_id: int | None = None) -> str | None:
        """One random checkout (on `shop_id` or a random shop); None when nothing is in stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            shop_ids = [shop_id] if shop_id is not None else list(sandbox.shops)
            self._rng.shuffle(shop_ids)
            paid = self._rng.random() >= self.unpaid_rate
            for candidate in shop_ids:
                try:
                    order_sn = sandbox.place_order(candidate, None, paid=paid)
                except OutOfStockError:
                    continue
                self.placed += 1
                return order_sn
        return None

    def step(self) -> str | None:
        """One tick: a new order, then maybe pay / cancel / ship / complete existing ones."""
        order_sn = self.place_one()
        with self._sandbox.lock:
            for shop in self._sandbox.shops.values():
                self._move_on(shop)
        return order_sn

    def _move_on(self, shop: Shop) -> None:
        by_status: dict[str, list] = {}
        for order in itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS):
            by_status.setdefault(order.status, []).append(order)
        moves = (
            ("UNPAID", "READY_TO_SHIP", self.pay_rate, "buyer"),
            ("READY_TO_SHIP", "CANCELLED", self.cancel_rate, "buyer"),
            ("PROCESSED", "SHIPPED", self.progress_rate, "system"),
            ("SHIPPED", "COMPLETED", self.progress_rate, "system"),
        )
        for source, target, rate, by in moves:
            candidates = by_status.get(source)
            if candidates and self._rng.random() < rate:
                order = self._rng.choice(candidates)
                self._sandbox.change_status(shop, order, target, by=by)
