"""Buyer simulator: random checkouts on in-stock SKUs, and life after checkout.

Each tick places one order on a random seller (some left unpaid), and moves a few existing
orders on: pays an unpaid one, cancels a pending one, hands a ready-to-ship parcel to the
courier (shipped) or delivers a shipped one. Runs in a daemon thread at a given rate
(orders per second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
import threading
from typing import TYPE_CHECKING

import structlog

from connectors.lazada.sandbox import orders as order_life
from connectors.lazada.sandbox.state import (
    CANCELED,
    DELIVERED,
    PENDING,
    READY_TO_SHIP,
    SHIPPED,
    UNPAID,
)

if TYPE_CHECKING:
    from connectors.lazada.sandbox.sandbox import LazadaSandbox
    from connectors.lazada.sandbox.state import Seller

log = structlog.get_logger(__name__)

MAX_RATE = 1000.0  # orders per second
RECENT_ORDERS = 500  # only the newest orders of a seller move on (keeps a tick O(1))


class BuyerSimulator:
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
        self.orders_per_second = 0.0
        self.placed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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

    def start(self, orders_per_second: float) -> None:
        """Run at `orders_per_second` (0 stops); restarting replaces the running loop."""
        self.stop()
        if orders_per_second <= 0:
            return
        self.orders_per_second = min(float(orders_per_second), MAX_RATE)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop, 1.0 / self.orders_per_second), daemon=True
        )
        self._thread.name = "lazada-buyers"
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self._thread = None
        self.orders_per_second = 0.0

    def _loop(self, stop: threading.Event, interval: float) -> None:
        while not stop.wait(interval):
            try:
                self.step()
            except Exception:  # a simulator bug must not die silently mid-demo
                log.exception("lazada_buyer_step_failed")
