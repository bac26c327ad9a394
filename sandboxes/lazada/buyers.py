"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random seller (some left unpaid), and moves a few existing
orders on: pays an unpaid one, cancels a pending one, hands a ready-to-ship parcel to the
courier (shipped) or delivers a shipped one. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from sandboxes.kit.buyers import RECENT_ORDERS, BuyerLoop
from sandboxes.lazada import orders as order_life
from sandboxes.lazada.state import (
    CANCELED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    SHIPPED,
    UNPAID,
)

if TYPE_CHECKING:
    from sandboxes.lazada.sandbox import LazadaSandbox
    from sandboxes.lazada.state import Seller


class BuyerSimulator(BuyerLoop):
    platform = "lazada"

    def __init__(
        self,
        sandbox: LazadaSandbox,
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

    def place_one(self, seller: str | None = None) -> int | None:
        """One random checkout (on `seller` or a random one); None when nothing is in stock."""
        sandbox = self._sandbox
        with sandbox.lock:
            candidates = [seller] if seller is not None else list(sandbox.sellers)
            self._rng.shuffle(candidates)
            paid = self._rng.random() >= self.unpaid_rate
            for candidate in candidates:
                try:
                    order_id = sandbox.place_order(candidate, None, paid=paid)
                except (LookupError, ValueError):
                    continue
                self.placed += 1
                return order_id
        return None

    def step(self) -> int | None:
        """One tick: a new order, then maybe pay / cancel / ship / deliver existing ones."""
        order_id = self.place_one()
        with self._sandbox.lock:
            for seller in self._sandbox.sellers.values():
                self._move_on(seller)
        return order_id

    def _move_on(self, seller: Seller) -> None:
        by_status: dict[str, list] = {}
        for order in itertools.islice(reversed(seller.orders.values()), RECENT_ORDERS):
            for status in set(order.statuses):
                by_status.setdefault(status, []).append(order)
        moves = (
            (UNPAID, PENDING, self.pay_rate),
            (PENDING, CANCELED, self.cancel_rate),
            (READY_TO_SHIP, SHIPPED, self.progress_rate),
            (SHIPPED, DELIVERED, self.progress_rate),
        )
        now = self._sandbox.clock.now_s()
        for source, target, rate in moves:
            candidates = by_status.get(source)
            if candidates and self._rng.random() < rate:
                order = self._rng.choice(candidates)
                items = [i for i in order.items if i.status == source]
                moved = order_life.move(seller, order, items, target, now)
                if target == CANCELED:
                    for item in moved:
                        item.cancel_return_initiator = "buyer-cancel"
                self._sandbox.moved(seller, order, moved)
