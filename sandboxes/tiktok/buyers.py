"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random shop (some left UNPAID), and moves a few existing
orders on: pays an unpaid one, cancels one awaiting shipment, and carries a shipped parcel
along AWAITING_COLLECTION → IN_TRANSIT → DELIVERED → COMPLETED. Runs in a daemon thread at a
given rate (orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.tiktok.orders import OutOfStockError

if TYPE_CHECKING:
    from sandboxes.tiktok.sandbox import TikTokSandbox
    from sandboxes.tiktok.state import Shop


class BuyerSimulator(BuyerLoop):
    platform = "tiktok"

    def __init__(
        self,
        sandbox: TikTokSandbox,
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

    def place_one(self, store: str | None = None) -> str | None:
        """One random checkout (on `store` or a random one); None when nothing is in stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            names = [store] if store is not None else list(sandbox.shops)
            self._rng.shuffle(names)
            paid = self._rng.random() >= self.unpaid_rate
            for name in names:
                try:
                    order_id = sandbox.place_order(name, None, paid=paid)
                except OutOfStockError:
                    continue
                self.placed += 1
                return order_id
        return None

    def step(self) -> str | None:
        """One tick: a new order, then maybe pay / cancel / carry on existing ones."""
        order_id = self.place_one()
        with self._sandbox.lock:
            for shop in self._sandbox.shops.values():
                self._move_on(shop)
        return order_id

    def _move_on(self, shop: Shop) -> None:
        by_status: dict[str, list] = {}
        for order in itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS):
            by_status.setdefault(order.status, []).append(order)
        moves = (
            ("UNPAID", "AWAITING_SHIPMENT", self.pay_rate, "BUYER"),
            ("AWAITING_SHIPMENT", "CANCELLED", self.cancel_rate, "BUYER"),
            ("AWAITING_COLLECTION", "IN_TRANSIT", self.progress_rate, "SYSTEM"),
            ("IN_TRANSIT", "DELIVERED", self.progress_rate, "SYSTEM"),
            ("DELIVERED", "COMPLETED", self.progress_rate, "SYSTEM"),
        )
        for source, target, rate, by in moves:
            candidates = by_status.get(source)
            if candidates and self._rng.random() < rate:
                order = self._rng.choice(candidates)
                self._sandbox.move_order(shop, order, target, by=by)
