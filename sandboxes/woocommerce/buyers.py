"""Buyer simulator: random checkouts on in-stock products, and life after checkout.

Each tick places one order on a random store (some left unpaid, as with a bank transfer
not made yet), and moves a few existing orders on: pays a pending one, or cancels a
pending one (WooCommerce cancels unpaid orders after its "Hold stock" minutes). Shipping
is the seller's (Lapak's) job, not the buyers'. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.woocommerce import orders as order_life

if TYPE_CHECKING:
    from sandboxes.woocommerce.sandbox import WooSandbox
    from sandboxes.woocommerce.state import Shop


class BuyerSimulator(BuyerLoop):
    platform = "woocommerce"

    def __init__(
        self,
        sandbox: WooSandbox,
        *,
        seed: int = 0,
        unpaid_rate: float = 0.2,
        pay_rate: float = 0.5,
        cancel_rate: float = 0.05,
    ) -> None:
        self._sandbox = sandbox
        self._rng = random.Random(seed + 1)
        self.unpaid_rate = unpaid_rate
        self.pay_rate = pay_rate
        self.cancel_rate = cancel_rate
        super().__init__()
        self.placed = 0

    def place_one(self, name: str | None = None) -> int | None:
        """One random checkout (on store `name` or a random one); None when nothing is in stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            names = [name] if name is not None else list(sandbox.shops)
            self._rng.shuffle(names)
            paid = self._rng.random() >= self.unpaid_rate
            for candidate in names:
                try:
                    order_id = sandbox.place_order(candidate, None, paid=paid)
                except order_life.OutOfStockError:
                    continue
                self.placed += 1
                return order_id
        return None

    def step(self) -> int | None:
        """One tick: a new order, then maybe pay or cancel a pending one."""
        order_id = self.place_one()
        with self._sandbox.lock:
            for shop in self._sandbox.shops.values():
                self._move_on(shop)
        return order_id

    def _move_on(self, shop: Shop) -> None:
        pending = [
            o
            for o in itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS)
            if o.status == "pending"
        ]
        if not pending:
            return
        for action, rate in (("pay", self.pay_rate), ("cancel", self.cancel_rate)):
            if pending and self._rng.random() < rate:
                order = pending.pop(self._rng.randrange(len(pending)))
                self._sandbox.change_order(shop.name, order.id, action)
