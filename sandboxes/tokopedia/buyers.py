"""Buyer simulator: random checkouts on in-stock listings, and life after checkout.

Each tick places one order on a random shop (some left unpaid at 100), and moves a few
existing orders on: pays an unpaid one (→ 220), cancels one not yet accepted (→ 0),
delivers a shipped one (500 → 600) or finishes a delivered one (600 → 700). Accepting and
shipping are the seller's (Lapak's) job. Runs in a daemon thread at a given rate (orders
per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.tokopedia import orders as life

if TYPE_CHECKING:
    from sandboxes.tokopedia.sandbox import TokopediaSandbox
    from sandboxes.tokopedia.state import Shop


class BuyerSimulator(BuyerLoop):
    platform = "tokopedia"

    def __init__(
        self,
        sandbox: TokopediaSandbox,
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

    def place_one(self, shop_id: int | None = None) -> int | None:
        """One random checkout (on `shop_id` or a random shop); None when nothing is in stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            shop_ids = [shop_id] if shop_id is not None else list(sandbox.shops)
            self._rng.shuffle(shop_ids)
            paid = self._rng.random() >= self.unpaid_rate
            for candidate in shop_ids:
                try:
                    order_id = sandbox.place_order(candidate, None, paid=paid)
                except life.OutOfStockError:
                    continue
                self.placed += 1
                return order_id
        return None

    def step(self) -> int | None:
        """One tick: a new order, then maybe pay / cancel / deliver / finish existing ones."""
        order_id = self.place_one()
        with self._sandbox.lock:
            for shop in self._sandbox.shops.values():
                self._move_on(shop)
        return order_id

    def _move_on(self, shop: Shop) -> None:
        by_status: dict[int, list] = {}
        for order in itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS):
            by_status.setdefault(order.status, []).append(order)
        moves = (
            (life.PENDING, life.PAID, self.pay_rate, "buyer"),
            (life.PAID, life.SELLER_CANCEL, self.cancel_rate, "buyer"),
            (life.SHIPPED, life.DELIVERED, self.progress_rate, "system"),
            (life.DELIVERED, life.FINISHED, self.progress_rate, "system"),
        )
        for source, target, rate, by in moves:
            candidates = by_status.get(source)
            if candidates and self._rng.random() < rate:
                order = self._rng.choice(candidates)
                self._sandbox.change_status(shop, order, target, by=by)
