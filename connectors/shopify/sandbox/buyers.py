"""Buyer simulator: random checkouts on in-stock variants, and life after checkout.

Each tick places one order on a random shop (some left pending: cash on delivery or bank
transfer not yet received), then maybe pays a pending order, cancels an unshipped one, or
marks a shipped one delivered. Runs in a daemon thread at a given rate (orders per
second), or one tick at a time from tests.
"""

from __future__ import annotations

import itertools
import random
import threading
from typing import TYPE_CHECKING

import structlog

from connectors.shopify.sandbox.orders import SHIPPED, OutOfStockError

if TYPE_CHECKING:
    from connectors.shopify.sandbox.sandbox import ShopifySandbox
    from connectors.shopify.sandbox.state import Order, Shop

log = structlog.get_logger(__name__)

MAX_RATE = 1000.0  # orders per second
RECENT_ORDERS = 500  # only the newest orders of a shop move on (keeps a tick O(1))


class BuyerSimulator:
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
        self.orders_per_second = 0.0
        self.placed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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

    def start(self, orders_per_second: float) -> None:
        """Run at `orders_per_second` (0 stops); restarting replaces the running loop."""
        self.stop()
        if orders_per_second <= 0:
            return
        self.orders_per_second = min(float(orders_per_second), MAX_RATE)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop,
            args=(self._stop, 1.0 / self.orders_per_second),
            name="shopify-buyers",
            daemon=True,
        )
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
                log.exception("shopify_buyer_step_failed")


def _undelivered(order: Order) -> bool:
    return order.fulfillment_status in SHIPPED and order.closed_at is None
