"""Buyer simulator: random checkouts on in-stock variants, and life after checkout.

Each tick places one order on a random shop (some left pending: cash on delivery or bank
transfer not yet received), then maybe pays a pending order, cancels an unshipped one, or
marks a shipped one delivered. Runs in a daemon thread at a given rate (orders per
second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.shopify.orders import SHIPPED, OutOfStockError

if TYPE_CHECKING:
    from sandboxes.shopify.sandbox import ShopifySandbox
    from sandboxes.shopify.state import Order, Shop


class BuyerSimulator(BuyerLoop):
    platform = "shopify"

    def __init__(
        self,
        sandbox: ShopifySandbox,
        *,
        seed: int = 0,
        unpaid_rate: float = 0.2,
        pay_rate: float = 0.5,
        cancel_rate: float = 0.05,
        deliver_rate: float = 0.3,
    ) -> None:
        self._sandbox = sandbox
        self._rng = random.Random(seed + 1)
        self.unpaid_rate = unpaid_rate
        self.pay_rate = pay_rate
        self.cancel_rate = cancel_rate
        self.deliver_rate = deliver_rate
        super().__init__()
        self.placed = 0

    def place_one(self) -> int | None:
        """One random checkout on a random shop; None when no shop has stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            names = list(sandbox.shops)
            self._rng.shuffle(names)
            paid = self._rng.random() >= self.unpaid_rate
            for name in names:
                try:
                    order = sandbox.place_order(name, None, paid=paid)
                except OutOfStockError:
                    continue
                self.placed += 1
                return order.id
        return None

    def step(self) -> int | None:
        """One tick: a new order, then maybe pay / cancel / deliver existing ones."""
        placed = self.place_one()
        with self._sandbox.lock:
            for shop in self._sandbox.shops.values():
                self._move_on(shop)
        return placed

    def _move_on(self, shop: Shop) -> None:
        recent = list(itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS))
        pending = [o for o in recent if o.financial_status == "pending" and not o.cancelled_at]
        open_ = [o for o in recent if not o.cancelled_at and o.fulfillment_status is None]
        shipped = [o for o in recent if _undelivered(o)]
        for candidates, action, rate in (
            (pending, "pay", self.pay_rate),
            (open_, "cancel", self.cancel_rate),
            (shipped, "complete", self.deliver_rate),
        ):
            if candidates and self._rng.random() < rate:
                self._sandbox.change_order(shop.name, self._rng.choice(candidates).id, action)


def _undelivered(order: Order) -> bool:
    return order.fulfillment_status in SHIPPED and order.closed_at is None
